"""Celery tasks of trait data (periodic; beat or the embedded scheduler runs them by name)."""

from celery import shared_task

from personalization.traitsync.retention import traits_purge


@shared_task(name="personalization.traits_retention")
def traits_retention_task() -> dict:
    """Remove trait values past their trait's retention period (beat, hourly)."""
    return traits_purge()
