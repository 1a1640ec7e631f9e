"""Celery tasks of the content hub: ids in, a service call, retries declared."""

from celery import shared_task
from django.core.management import call_command

from cms.outbox import outbox_relay, outbox_run

RETRY_BACKOFF_MAX_SECONDS = 600


@shared_task(name="cms.run_outbox_job", bind=True, acks_late=True, max_retries=8)
def run_outbox_job(self, job_id: int) -> bool:
    """Run one outbox job; retried with exponential backoff, effect at most once."""
    try:
        return outbox_run(job_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(2**self.request.retries * 5, RETRY_BACKOFF_MAX_SECONDS))


@shared_task(name="cms.relay_outbox")
def relay_outbox() -> int:
    """Hand over outbox jobs that missed the commit-time hand-over (beat, every few seconds)."""
    return outbox_relay()


@shared_task(name="cms.publish_scheduled")
def publish_scheduled() -> None:
    """Publish pages whose go-live time has come and unpublish expired ones (beat, every minute)."""
    call_command("publish_scheduled")
