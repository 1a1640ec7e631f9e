"""Celery tasks of customers (periodic; beat or the embedded scheduler runs them by name)."""

from celery import shared_task

from personalization.customers.membership import membership_diff


@shared_task(name="personalization.membership_diff")
def membership_diff_task() -> dict:
    """Diff the segment membership of profiles changed since the last run (beat, every MEMBERSHIP_DIFF_SECONDS)."""
    return membership_diff(full=False)


@shared_task(name="personalization.membership_diff_full")
def membership_diff_full_task() -> dict:
    """Diff every profile's segment membership (beat, daily): time alone moves some memberships."""
    return membership_diff(full=True)
