"""Celery tasks of personalisation: ids in, a service call (autodiscovered by config.celery)."""

from celery import shared_task

from personalization.events.partitions import events_maintain


@shared_task(name="personalization.events_maintain")
def events_maintain_task() -> dict:
    """Make the coming days' event partitions and purge raw events past retention (beat, hourly)."""
    return events_maintain()
