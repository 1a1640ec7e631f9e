from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search backend choice, indexing through the outbox, the reconciler and the search API."""

    name = "search"
    label = "tailor_search"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from wagtail.contrib.search_promotions.models import Query, SearchPromotion

        from cms.api.schema import register_component_builder
        from cms.outbox import outbox_after_success
        from cms.signal_handlers import invalidate_api_responses

        from . import signal_handlers
        from .api.schema import search_components
        from .indexing import INDEX_JOB, SUBTREE_JOB

        signal_handlers.connect()
        # A search answered before an index update and cached must be retired by it.
        outbox_after_success(INDEX_JOB, invalidate_api_responses)
        outbox_after_success(SUBTREE_JOB, invalidate_api_responses)

        register_component_builder(search_components)
        # A promotion edited (or its query renamed) changes search answers: cached bodies and
        # the per-generation promotion memo must not outlive it.
        for model in (Query, SearchPromotion):
            label = model._meta.label
            post_save.connect(invalidate_api_responses, sender=model, dispatch_uid=f"search.api.saved.{label}")
            post_delete.connect(invalidate_api_responses, sender=model, dispatch_uid=f"search.api.deleted.{label}")
