from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search backend choice, indexing through the outbox, the reconciler and the search API."""

    name = "search"
    label = "tailor_search"

    def ready(self) -> None:
        from cms.outbox import outbox_after_success
        from cms.signal_handlers import invalidate_api_responses

        from . import signal_handlers
        from .indexing import INDEX_JOB, SUBTREE_JOB

        signal_handlers.connect()
        # A search answered before an index update and cached must be retired by it.
        outbox_after_success(INDEX_JOB, invalidate_api_responses)
        outbox_after_success(SUBTREE_JOB, invalidate_api_responses)
