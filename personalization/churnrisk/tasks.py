"""Celery task of churn risk (periodic; beat or the embedded scheduler runs it by name)."""

from celery import shared_task

from personalization.churnrisk.scoring import scores_refresh


@shared_task(name="personalization.churn_score")
def churn_score_task() -> dict:
    """Rescore every customer with the newest churn model (beat, every CHURN_SCORING_SECONDS)."""
    return scores_refresh().as_dict()
