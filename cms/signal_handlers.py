"""Signal wiring for the content hub. Handlers only record work: outbox jobs, cache generations."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from PIL import Image as PILImage
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.api.generation import content_generation_bump
from cms.models import Author, CallToAction, Channel, ChannelRenditionPreset, CustomImage, Promo
from cms.outbox import outbox_after_success, outbox_enqueue
from cms.renditions import rendition_job_key
from cms.webhooks import signal_handlers as webhook_signal_handlers
from config.cache import cache_recovered

logger = logging.getLogger(__name__)


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


def _bump_generation() -> None:
    try:
        content_generation_bump()
    except Exception:  # a cache outage must not fail the change that already committed
        logger.exception("could not bump the content generation; the outbox retries it")
        # Cached bodies outlive a cache that was only unreachable: the purge must not be lost.
        # One pending job does for every change made meanwhile (the key dedupes them).
        outbox_enqueue(GENERATION_BUMP, key=GENERATION_BUMP)


def retire_responses_after_outage(sender=None, **kwargs) -> None:
    """The cache is back: bodies cached before the outage may have missed a purge dropped meanwhile."""
    content_generation_bump()  # past the clock: see config.stamps.CacheStamp.bump


def invalidate_api_responses(sender=None, instance=None, **kwargs) -> None:
    """After commit, move the content generation on so no cached API body outlives a change."""
    if kwargs.get("raw"):
        return
    transaction.on_commit(_bump_generation)


def invalidate_on_page_delete(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        transaction.on_commit(_bump_generation)


def connect() -> None:
    """Wire the handlers; called once from CmsConfig.ready()."""
    # Renditions decode with Pillow outside Wagtail's upload checks: bound them by the same pixel cap.
    PILImage.MAX_IMAGE_PIXELS = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
    post_save.connect(enqueue_channel_renditions, sender=CustomImage, dispatch_uid="cms.renditions")
    cache_recovered.connect(retire_responses_after_outage, dispatch_uid="cms.api.cache-recovered")

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
