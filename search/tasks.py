"""Celery tasks of search (periodic; beat or the embedded scheduler runs them by name)."""

from celery import shared_task

from search.reconcile import reconcile


@shared_task(name="search.reconcile")
def reconcile_task() -> dict:
    """Repair the search index from what is live (beat, every SEARCH_RECONCILE_SECONDS); its counts."""
    return reconcile().as_dict()
