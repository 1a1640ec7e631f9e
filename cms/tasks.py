"""Celery tasks of the content hub: ids in, a service call, retries declared."""

from celery import shared_task
from django.core.management import call_command

from cms.outbox import outbox_relay, outbox_retry_delay, outbox_run


@shared_task(name="cms.run_outbox_job", bind=True, acks_late=True, max_retries=None)
def run_outbox_job(self, job_id: int) -> bool:
    """Run one outbox job, effect at most once; retried with the backoff its handler declares.

    The schedule (`outbox_handler(retry_delays=…)`, else the outbox default) bounds
    the retries, counted by the job's attempts so they survive a relay hand-over.
    """
    try:
        return outbox_run(job_id)
    except Exception as exc:
        delay = outbox_retry_delay(job_id)
        if delay is None:
            raise
        raise self.retry(exc=exc, countdown=delay)


@shared_task(name="cms.relay_outbox")
def relay_outbox() -> int:
    """Hand over outbox jobs that missed the commit-time hand-over (beat, every few seconds)."""
    return outbox_relay()


@shared_task(name="cms.publish_scheduled")
def publish_scheduled() -> None:
    """Publish pages whose go-live time has come and unpublish expired ones (beat, every minute)."""
    call_command("publish_scheduled")
