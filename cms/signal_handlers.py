"""Signal wiring for the content hub. Handlers only record work: outbox jobs, cache generations."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from PIL import Image as PILImage
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.models import Author, CallToAction, Channel, ChannelRenditionPreset, CustomImage, Promo
from cms.outbox import outbox_after_success, outbox_enqueue
from cms.outbox.announce import announce_after_commit, announce_when_cache_recovers
from cms.renditions import rendition_job_key
from cms.webhooks import signal_handlers as webhook_signal_handlers


def enqueue_channel_renditions(sender, instance: CustomImage, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    outbox_enqueue(
        "cms.renditions.generate_channel_renditions", args=[instance.pk], key=rendition_job_key(instance)
    )


GENERATION_BUMP = "cms.api.generation.content_generation_bump"
# Wagtail's search-index update (a django-task run by the outbox). A search answered between
# a publish and this update is cached with the old index: the update must retire it.
SEARCH_INDEX_UPDATE = "modelsearch.tasks.insert_or_update_object_task"


def invalidate_api_responses(sender=None, instance=None, **kwargs) -> None:
    """After commit, move the content generation on so no cached API body outlives a change."""
    if kwargs.get("raw"):
        return
    # Cached bodies outlive a cache that was only unreachable: the purge must not be lost.
    announce_after_commit(GENERATION_BUMP)


def invalidate_on_page_delete(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        announce_after_commit(GENERATION_BUMP)


def connect() -> None:
    """Wire the handlers; called once from CmsConfig.ready()."""
    # Renditions decode with Pillow outside Wagtail's upload checks: bound them by the same pixel cap.
    PILImage.MAX_IMAGE_PIXELS = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
    post_save.connect(enqueue_channel_renditions, sender=CustomImage, dispatch_uid="cms.renditions")
    # Bodies cached before an outage may have missed a purge dropped meanwhile (the bump goes
    # past the clock: see config.stamps.CacheStamp.bump).
    announce_when_cache_recovers(GENERATION_BUMP)

    page_published.connect(invalidate_api_responses, dispatch_uid="cms.api.published")
    page_unpublished.connect(invalidate_api_responses, dispatch_uid="cms.api.unpublished")
    post_page_move.connect(invalidate_api_responses, dispatch_uid="cms.api.moved")
    post_delete.connect(invalidate_on_page_delete, dispatch_uid="cms.api.page-deleted")
    content_models = (
        CustomImage, get_document_model(), Author, CallToAction, Promo, Channel, ChannelRenditionPreset,
        Collection, PageViewRestriction, CollectionViewRestriction, Site, Redirect,
    )
    for model in content_models:
        post_save.connect(invalidate_api_responses, sender=model, dispatch_uid=f"cms.api.saved.{model._meta.label}")
        post_delete.connect(invalidate_api_responses, sender=model, dispatch_uid=f"cms.api.deleted.{model._meta.label}")
    outbox_after_success(SEARCH_INDEX_UPDATE, invalidate_api_responses)
    webhook_signal_handlers.connect()
