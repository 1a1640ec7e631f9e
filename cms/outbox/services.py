import functools
import logging
import time
from collections.abc import Callable
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
# Seconds before the 1st, 2nd, … retry of a job whose handler declares no schedule of its own.
DEFAULT_RETRY_DELAYS = (5, 10, 20, 40, 80, 160, 320, 600)

# Monotonic time until which commit-time hand-overs are skipped after a broker failure,
# so twenty publishes during an outage pay for one timeout, not twenty.
_broker_down_until = 0.0


class OutboxRetry(Exception):
    """Raised by a handler whose failed attempt wrote something worth keeping (a delivery log).

    Unlike any other exception, it does not roll back the handler's writes: they
    commit with the attempt count, the job stays pending and is retried.
    """


def outbox_handler(*, retry_delays: tuple[int, ...], outside_transaction: bool = False):
    """Declare a handler's retry schedule: seconds before its 1st, 2nd, … retry, bounded.

    `run_outbox_job` follows it; a handler without one gets DEFAULT_RETRY_DELAYS.
    Keep it to MAX_ATTEMPTS - 1 entries, the most the relay ever attempts.

    `outside_transaction`: the handler waits on the network (a webhook POST), so it runs
    with no transaction or row lock held (on SQLite a transaction holds the database's
    write lock). Its effect is then at least once rather than once: two deliveries of
    the same message may both run it, so it must tolerate repeats.
    """

    def declare(handler):
        handler.outbox_retry_delays = tuple(retry_delays)
        handler.outbox_outside_transaction = outside_transaction
        return handler

    return declare


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
    transaction.on_commit(lambda: _dispatch_after_commit(job.pk, handler))
    return job


def _dispatch_after_commit(job_id: int, handler: str) -> None:
    # OUTBOX_RUNNER says who runs jobs: "celery" (a broker), "thread" (the embedded runner)
    # or "inline" (in the committing request: tests only). The settings derive it from
    # CELERY_BROKER_URL, so the embedded runner never competes with Celery workers.
    if settings.OUTBOX_RUNNER == "thread":
        # No query and no work in the request: a runner thread of the job's lane claims it.
        from .runner import outbox_lane, outbox_runner_wake

        outbox_runner_wake(outbox_lane(handler))
        return
    if time.monotonic() < _broker_down_until:
        return
    job = OutboxJob.objects.filter(pk=job_id, dispatched_at__isnull=True, done_at__isnull=True).first()
    if job is not None:
        _dispatch(job)


def outbox_relay(*, limit: int = 500) -> int:
    """Hand every waiting job to Celery; return how many were handed over.

    Stops at the first broker failure and leaves the rest for the next relay.
    With the embedded runner there is nothing to hand over: the runners' poll finds
    waiting jobs (and the embedded scheduler leaves the relay out).
    """
    if settings.OUTBOX_RUNNER == "thread":
        return 0
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
    """Hand one job over to Celery, or run it here (inline). False when the broker is unreachable."""
    global _broker_down_until
    from cms.tasks import run_outbox_job

    if settings.OUTBOX_RUNNER != "celery":
        _run_logged(job.pk)
        return True
    try:
        run_outbox_job.apply_async(args=[job.pk], retry=False)
    except Exception as exc:  # kombu raises many types for an unreachable broker
        _broker_down_until = time.monotonic() + settings.OUTBOX_BROKER_BACKOFF_SECONDS
        logger.warning("outbox: broker unreachable, job %s left for the relay: %s", job.pk, exc)
        return False
    _broker_down_until = 0.0  # the broker is back: publishes hand over at commit time again
    OutboxJob.objects.filter(pk=job.pk).update(dispatched_at=timezone.now())
    return True


def _run_logged(job_id: int) -> None:
    try:
        outbox_run(job_id)
    except OutboxRetry as exc:
        logger.warning("outbox: job %s failed (%s); it stays pending for the relay", job_id, exc)
    except Exception:
        logger.exception("outbox: job %s failed; it stays pending for the relay", job_id)


def outbox_run(job_id: int) -> bool:
    """Run a job if it is not done yet; return whether it ran.

    The row lock and the done mark share the handler's transaction, so a message
    delivered twice has one effect (handlers declared `outside_transaction` excepted:
    at least once). A handler's OutboxRetry commits the handler's writes and the
    attempt count, then is raised again for the caller to retry.
    """
    # The key dedupes jobs that have not started: a change committed while the handler
    # runs (it may have read the data already) must get a job of its own, not be dropped.
    OutboxJob.objects.filter(pk=job_id, done_at__isnull=True, key__isnull=False).update(key=None)
    job = OutboxJob.objects.filter(pk=job_id, done_at__isnull=True).first()
    if job is None:
        return False
    if _runs_outside_transaction(job):
        return _run_outside_transaction(job)
    retry = None
    try:
        with transaction.atomic():
            job = OutboxJob.objects.select_for_update().filter(pk=job_id, done_at__isnull=True).first()
            if job is None:
                return False
            try:
                _call_handler(job)
            except OutboxRetry as exc:  # keep what the handler recorded about its failure
                retry = exc
            _attempt_record(job.pk, retry)
    except Exception as exc:
        _attempt_failed(job_id, exc)
        raise
    if retry is not None:
        raise retry
    return True


def _runs_outside_transaction(job: OutboxJob) -> bool:
    return handler_outside_transaction(job.handler)


@functools.cache
def handler_outside_transaction(handler: str) -> bool:
    """Whether a handler declared `outside_transaction` (it waits on a remote party)."""
    try:
        return getattr(import_string(handler), "outbox_outside_transaction", False)
    except ImportError:
        return False  # the transactional path records the failure on the job


def _run_outside_transaction(job: OutboxJob) -> bool:
    """Run a handler that holds no transaction, then record the attempt and mark the job done."""
    retry = None
    try:
        _call_handler(job)
    except OutboxRetry as exc:
        retry = exc
    except Exception as exc:
        _attempt_failed(job.pk, exc)
        raise
    _attempt_record(job.pk, retry)
    if retry is not None:
        raise retry
    return True


def _attempt_record(job_id: int, retry: OutboxRetry | None) -> None:
    """Count a finished attempt: the job is done unless its handler asked for a retry."""
    OutboxJob.objects.filter(pk=job_id).update(
        done_at=None if retry else timezone.now(),
        attempts=F("attempts") + 1,
        last_error=repr(retry)[:2000] if retry else "",
    )


def _attempt_failed(job_id: int, exc: Exception) -> None:
    """Count an attempt whose handler raised: the job stays pending with the error."""
    OutboxJob.objects.filter(pk=job_id).update(attempts=F("attempts") + 1, last_error=repr(exc)[:2000])


def outbox_retry_delay(job_id: int) -> float | None:
    """Seconds until a failed job's next attempt by its handler's schedule; None once it is exhausted.

    OUTBOX_RETRY_SCALE multiplies the schedule (tests shorten it; 1 in production).

    Marks the job handed over until then, so the relay does not hand it over again
    while its retry waits in the broker (a retry longer than REDISPATCH_AFTER would).
    """
    job = OutboxJob.objects.filter(pk=job_id, done_at__isnull=True).first()
    if job is None:
        return None
    delays = getattr(import_string(job.handler), "outbox_retry_delays", DEFAULT_RETRY_DELAYS)
    if not 0 < job.attempts <= len(delays):
        return None
    delay = delays[job.attempts - 1] * settings.OUTBOX_RETRY_SCALE
    OutboxJob.objects.filter(pk=job.pk).update(dispatched_at=timezone.now() + timedelta(seconds=delay))
    return delay


def outbox_after_success(handler: str, hook: Callable[[], None]) -> None:
    """Call `hook()` in the transaction of every successful run of `handler` (a dotted path).

    For handlers we do not own (Wagtail's django-tasks), whose effects others depend on:
    a search-index update changes what `?search=` answers.
    """
    hooks = _after_success.setdefault(handler, [])
    if hook not in hooks:  # wiring twice must not run it twice
        hooks.append(hook)


_after_success: dict[str, list[Callable[[], None]]] = {}


def _call_handler(job: OutboxJob) -> None:
    target = import_string(job.handler)
    # Wagtail's django-tasks are Task objects; our own handlers are plain functions.
    call = getattr(target, "call", target)
    call(*job.args, **job.kwargs)
    for hook in _after_success.get(job.handler, ()):
        hook()
