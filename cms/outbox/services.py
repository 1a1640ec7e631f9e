import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from cms.models import OutboxJob

logger = logging.getLogger(__name__)

# Jobs handed over but not done after this long are handed over again (a lost message).
REDISPATCH_AFTER = timedelta(minutes=30)
MAX_ATTEMPTS = 10

# Monotonic time until which commit-time hand-overs are skipped after a broker failure,
# so twenty publishes during an outage pay for one timeout, not twenty.
_broker_down_until = 0.0


def outbox_enqueue(handler: str, *, args: list | None = None, kwargs: dict | None = None, key: str | None = None) -> OutboxJob | None:
    """Record a job in the current transaction; hand it to Celery after commit.

    Returns None when a job with the same key is already pending (the pending one
    will do the work).
    """
    try:
        with transaction.atomic():
            job = OutboxJob.objects.create(handler=handler, args=args or [], kwargs=kwargs or {}, key=key)
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _dispatch_after_commit(job.pk))
    return job


def _dispatch_after_commit(job_id: int) -> None:
    if time.monotonic() < _broker_down_until:
        return
    job = OutboxJob.objects.filter(pk=job_id, dispatched_at__isnull=True, done_at__isnull=True).first()
    if job is not None:
        _dispatch(job)


def outbox_relay(*, limit: int = 500) -> int:
    """Hand every waiting job to Celery; return how many were handed over.

    Stops at the first broker failure and leaves the rest for the next relay.
    """
    stale = timezone.now() - REDISPATCH_AFTER
    waiting = OutboxJob.objects.filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale),
        done_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,
    )
    handed = 0
    for job in waiting.order_by("id")[:limit]:
        if not _dispatch(job):
            break
        handed += 1
    return handed


def _dispatch(job: OutboxJob) -> bool:
    """Hand one job over; in eager mode run it here. False when the broker is unreachable."""
    global _broker_down_until
    from cms.tasks import run_outbox_job

    if settings.CELERY_TASK_ALWAYS_EAGER:
        _run_logged(job.pk)
        return True
    try:
        run_outbox_job.apply_async(args=[job.pk], retry=False)
    except Exception as exc:  # kombu raises many types for an unreachable broker
        _broker_down_until = time.monotonic() + settings.OUTBOX_BROKER_BACKOFF_SECONDS
        logger.warning("outbox: broker unreachable, job %s left for the relay: %s", job.pk, exc)
        return False
    OutboxJob.objects.filter(pk=job.pk).update(dispatched_at=timezone.now())
    return True


def _run_logged(job_id: int) -> None:
    try:
        outbox_run(job_id)
    except Exception:
        logger.exception("outbox: job %s failed; it stays pending for the relay", job_id)


def outbox_run(job_id: int) -> bool:
    """Run a job if it is not done yet; return whether it ran.

    The row lock and the done mark share the handler's transaction, so a message
    delivered twice has one effect.
    """
    try:
        with transaction.atomic():
            job = OutboxJob.objects.select_for_update().filter(pk=job_id, done_at__isnull=True).first()
            if job is None:
                return False
            _call_handler(job)
            OutboxJob.objects.filter(pk=job.pk).update(
                done_at=timezone.now(), attempts=job.attempts + 1, last_error=""
            )
    except Exception as exc:
        OutboxJob.objects.filter(pk=job_id).update(attempts=F("attempts") + 1, last_error=repr(exc)[:2000])
        raise
    return True


def _call_handler(job: OutboxJob) -> None:
    target = import_string(job.handler)
    # Wagtail's django-tasks are Task objects; our own handlers are plain functions.
    call = getattr(target, "call", target)
    call(*job.args, **job.kwargs)
