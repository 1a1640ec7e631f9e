"""Celery tasks of customer insight (periodic; beat or the embedded scheduler runs them by name)."""

from celery import shared_task

from personalization.insight.traits import sentiment_traits_maintain


@shared_task(name="insight.sentiment_traits_maintain")
def sentiment_traits_maintain_task() -> int:
    """Keep visitors' `sentiment` trait to their last 30 days of feedback (beat, hourly)."""
    return sentiment_traits_maintain()
