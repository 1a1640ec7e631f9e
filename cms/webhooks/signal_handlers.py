"""Page and content signals → webhook events. Each handler only records outbox jobs."""

from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.documents import get_document_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.models import Author, CallToAction, CustomImage, Promo, WebhookEvent
from cms.webhooks.services import webhook_event_record


def on_page_published(sender, instance: Page, **kwargs) -> None:
    webhook_event_record(WebhookEvent.PUBLISHED, page=instance)


def on_page_unpublished(sender, instance: Page, **kwargs) -> None:
    # Wagtail unpublishes a live page it is about to delete without saving it
    # (commit=False); page.deleted follows, so that unpublish is not an event.
    if not _live_in_database(instance):
        webhook_event_record(WebhookEvent.UNPUBLISHED, page=instance)


def on_page_moved(sender, instance: Page, url_path_before: str, **kwargs) -> None:
    webhook_event_record(WebhookEvent.MOVED, page=instance, extra={"url_path_before": url_path_before})


def on_page_deleted(sender, instance: Page, **kwargs) -> None:
    # pre_delete: the page's channel overrides still exist. A page that was not
    # live was not delivered, so there is nothing for a frontend to forget. The
    # database says so: Wagtail's own pre_delete handler may already have marked
    # this instance unpublished.
    if _live_in_database(instance):
        webhook_event_record(WebhookEvent.DELETED, page=instance)


def _live_in_database(page: Page) -> bool:
    return Page.objects.filter(pk=page.pk, live=True).exists()


def on_content_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        webhook_event_record(WebhookEvent.CONTENT_CHANGED, obj=instance)


def connect() -> None:
    """Wire the handlers; called from cms.signal_handlers.connect()."""
    page_published.connect(on_page_published, dispatch_uid="cms.webhooks.published")
    page_unpublished.connect(on_page_unpublished, dispatch_uid="cms.webhooks.unpublished")
    post_page_move.connect(on_page_moved, dispatch_uid="cms.webhooks.moved")
    # Sent once per deleted page row (the base Page), whatever the specific type.
    pre_delete.connect(on_page_deleted, sender=Page, dispatch_uid="cms.webhooks.deleted")
    for model in (Author, CallToAction, Promo, CustomImage, get_document_model()):
        label = model._meta.label
        post_save.connect(on_content_changed, sender=model, dispatch_uid=f"cms.webhooks.saved.{label}")
        post_delete.connect(on_content_changed, sender=model, dispatch_uid=f"cms.webhooks.deleted.{label}")
