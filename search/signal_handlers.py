"""Signals that record index updates as outbox jobs (search/indexing.py); they do no indexing themselves.

cms knows nothing of search: this module listens to its models and to Wagtail's page
signals. Wagtail's own handlers (modelsearch) are disconnected, so no update runs inline.
"""

from django.db.models.signals import post_delete, post_save
from modelsearch import signal_handlers as wagtail_handlers
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import post_page_move

from cms.models import Author, Channel
from search.indexing import VOLATILE_FIELDS, index_later, index_subtree_later, indexed_models

# Saves that touch only these columns change nothing search finds: a draft's revision
# bookkeeping (save_revision), the most frequent save Wagtail makes. The revision time is a
# filter field of Page, but left stale (see VOLATILE_FIELDS) rather than re-indexed per draft.
_IRRELEVANT = frozenset(
    {
        "latest_revision", "latest_revision_id", "latest_revision_created_at", "draft_title",
        "has_unpublished_changes", "wagtail_admin_comments", "numchild", *VOLATILE_FIELDS,
    }
)


def object_saved(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    if update_fields is not None and set(update_fields) <= _IRRELEVANT:
        return
    index_later(instance)


def object_deleted(sender, instance, **kwargs) -> None:
    index_later(instance)


def page_moved(sender, instance, **kwargs) -> None:
    # Paths (a filter field) change for the whole subtree.
    index_subtree_later(instance.pk)


def restriction_changed(sender, instance, **kwargs) -> None:
    # A restriction hides, and its removal shows, the page and every descendant.
    index_subtree_later(instance.page_id)


def author_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    # Articles are found by their authors' names.
    if raw:
        return
    for article in instance.articles.all():
        index_later(article)


def channel_changed(sender, instance, created: bool = True, raw: bool = False, **kwargs) -> None:
    # Every page's offered channels (a filter field) gain or lose this one.
    if raw or not created:
        return
    root = Page.objects.filter(depth=1).first()
    if root is not None:
        index_subtree_later(root.pk)


def disconnect_wagtail_handlers() -> None:
    """Keep Wagtail from indexing on save: before its app is ready (the flag) and after (disconnect)."""
    for model in indexed_models():
        model.search_auto_update = False
        post_save.disconnect(wagtail_handlers.post_save_signal_handler, sender=model)
        post_delete.disconnect(wagtail_handlers.post_delete_signal_handler, sender=model)


def connect() -> None:
    """Wire the handlers; called once from SearchConfig.ready()."""
    disconnect_wagtail_handlers()
    for model in indexed_models():
        uid = f"search.index.{model._meta.label}"
        post_save.connect(object_saved, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(object_deleted, sender=model, dispatch_uid=f"{uid}.deleted")
    post_page_move.connect(page_moved, dispatch_uid="search.index.moved")
    post_save.connect(restriction_changed, sender=PageViewRestriction, dispatch_uid="search.index.restricted")
    post_delete.connect(restriction_changed, sender=PageViewRestriction, dispatch_uid="search.index.unrestricted")
    post_save.connect(author_saved, sender=Author, dispatch_uid="search.index.author")
    post_save.connect(channel_changed, sender=Channel, dispatch_uid="search.index.channel-added")
    post_delete.connect(channel_changed, sender=Channel, dispatch_uid="search.index.channel-removed")
