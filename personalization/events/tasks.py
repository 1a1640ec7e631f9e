"""Celery tasks of events: the periodic roll-up."""

from celery import shared_task

from personalization.events.aggregation import aggregate_pending


@shared_task(name="personalization.aggregate_events")
def aggregate_events() -> dict:
    """Roll up newly received events (beat, every EVENTS_AGGREGATION_SECONDS); idempotent and resumable."""
    return aggregate_pending()
