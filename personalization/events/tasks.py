"""Celery tasks of events (periodic; beat or the embedded scheduler runs them by name)."""

from celery import shared_task

from personalization.events.aggregation import aggregate_pending
from personalization.events.partitions import events_maintain
from personalization.experiments.aggregation import experiments_aggregate


@shared_task(name="personalization.aggregate_events")
def aggregate_events() -> dict:
    """Roll up newly received events (beat, every EVENTS_AGGREGATION_SECONDS); idempotent and resumable."""
    return aggregate_pending()


@shared_task(name="personalization.events_maintain")
def events_maintain_task() -> dict:
    """Make the coming days' event partitions and purge raw events past retention (beat, hourly)."""
    return events_maintain()


@shared_task(name="personalization.experiments_aggregate")
def experiments_aggregate_task() -> dict:
    """Rebuild the experiments' daily figures from exposures and raw events (beat, every EXPERIMENTS_AGGREGATION_SECONDS)."""
    return experiments_aggregate()
