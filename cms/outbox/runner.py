"""The embedded outbox runner: outbox jobs run by a thread of the serving process, not Celery.

Without a broker (OUTBOX_RUNNER=thread, the embedded default) a commit only wakes
this thread; the request never waits on a job. Every serving process runs one, and
they share the work through the outbox table:

- A job is due when it is pending, under MAX_ATTEMPTS, and its `dispatched_at` is
  empty or past. Here `dispatched_at` means "not before": a claim sets it to now +
  REDISPATCH_AFTER (the lease: a process that dies mid-job leaves it to be run again
  then, like a message Celery lost), a failure to now + the handler's retry delay.
- A claim is one conditional UPDATE of that column, so of two runners (threads,
  processes, hosts) exactly one gets the row; PostgreSQL re-checks the condition
  after waiting on the row lock, SQLite serialises writers.
- A failed job is retried on the same schedule as `cms.run_outbox_job` under Celery
  (`outbox_retry_delay`); once the schedule is exhausted the lease lets it wait
  REDISPATCH_AFTER, as the relay would, until MAX_ATTEMPTS.

Jobs are rows, so they survive a restart: the next runner picks them up. A process
that exits normally (a gunicorn worker recycled, runserver reloading) first releases
the claims of the jobs it was running, so they run again at once rather than after
the lease.
"""

import atexit
import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Q
from django.utils import timezone

from cms.models import OutboxJob

from .services import (
    MAX_ATTEMPTS, REDISPATCH_AFTER, OutboxRetry, handler_outside_transaction, outbox_retry_delay, outbox_run,
)

logger = logging.getLogger(__name__)

# Rows read per claim attempt: enough to get past jobs other runners just claimed and
# jobs of the other lane.
CLAIM_CANDIDATES = 50

# Jobs this process has claimed and not finished, released at exit.
_running: set[int] = set()
_running_lock = threading.Lock()


def outbox_lane(handler: str) -> str:
    """A handler's lane: "network" if it waits on a remote party (`outside_transaction`), else "work"."""
    return "network" if handler_outside_transaction(handler) else "work"


def outbox_claim_next(lane: str | None = None) -> int | None:
    """Claim the oldest due job (of `lane`, else of any); its id, or None when nothing is due."""
    now = timezone.now()
    due = Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=now)
    pending = OutboxJob.objects.filter(done_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    candidates = pending.filter(due).order_by("id").values_list("pk", "handler")[:CLAIM_CANDIDATES]
    for job_id, handler in candidates:
        if lane is not None and outbox_lane(handler) != lane:
            continue
        claimed = pending.filter(due, pk=job_id).update(dispatched_at=now + REDISPATCH_AFTER)
        if claimed:
            with _running_lock:
                _running.add(job_id)
            return job_id
    return None


def outbox_run_claimed(job_id: int) -> None:
    """Run a claimed job; on failure, schedule its next attempt by its handler's retry schedule."""
    try:
        outbox_run(job_id)
    except Exception as exc:
        delay = outbox_retry_delay(job_id)
        if isinstance(exc, OutboxRetry):
            logger.warning("outbox: job %s failed (%s); next attempt in %s s", job_id, exc, delay)
        else:
            logger.exception("outbox: job %s failed; next attempt in %s s", job_id, delay)
    finally:
        with _running_lock:
            _running.discard(job_id)


@atexit.register
def _release_claims_at_exit() -> None:
    # Daemon threads die with the process: their unfinished jobs must not wait out the lease.
    with _running_lock:
        unfinished = list(_running)
    if unfinished:
        try:
            OutboxJob.objects.filter(pk__in=unfinished, done_at__isnull=True).update(dispatched_at=None)
        except Exception:  # exiting anyway: the lease still brings them back
            logger.warning("outbox: could not release jobs %s at exit", unfinished)


def outbox_run_due(*, limit: int = 500, lane: str | None = None) -> int:
    """Claim and run due jobs (of `lane`, else of any) one after another, at most `limit`; how many ran."""
    ran = 0
    while ran < limit:
        job_id = outbox_claim_next(lane)
        if job_id is None:
            break
        outbox_run_claimed(job_id)
        ran += 1
    return ran


class OutboxRunner(threading.Thread):
    """Runs due jobs when woken by a commit in this process, else every OUTBOX_POLL_SECONDS.

    The poll finds jobs committed by other processes (a shell, a management command)
    and retries whose time has come. A runner keeps to its lane, if it has one.
    """

    def __init__(self, number: int, lane: str | None) -> None:
        super().__init__(name=f"tailor-outbox-runner-{number}", daemon=True)
        self.lane = lane
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.wake.wait(settings.OUTBOX_POLL_SECONDS)
            self.wake.clear()
            if self.stopping.is_set():
                break
            close_old_connections()  # honour CONN_MAX_AGE and drop a connection the database closed
            try:
                outbox_run_due(limit=100, lane=self.lane)
            except Exception:  # the database may be briefly unreachable: try again at the next poll
                logger.exception("outbox runner: could not claim jobs")
        connections.close_all()  # this thread's own connections: it ends here

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self.wake.set()
        self.join(timeout)


# This process's runners. Threads do not survive a fork: in a forked child they are no
# longer alive, so outbox_runner_start starts the child's own.
_runners: list[OutboxRunner] = []


def outbox_runner_start() -> list[OutboxRunner]:
    """Start this process's OUTBOX_RUNNER_THREADS runner threads, once per process.

    With two or more, the first keeps to the network lane (webhook deliveries) and the
    others to the rest, so receivers that hang until their timeout never hold up cache
    purges, index updates and renditions; with one, it runs everything.
    """
    global _runners
    if not _runners or not all(runner.is_alive() for runner in _runners):
        outbox_runner_stop()
        count = max(settings.OUTBOX_RUNNER_THREADS, 1)
        lanes = [None] if count == 1 else ["network", *["work"] * (count - 1)]
        _runners = [OutboxRunner(number, lane) for number, lane in enumerate(lanes)]
        for runner in _runners:
            runner.start()
    return _runners


def outbox_runner_stop() -> None:
    """Stop this process's runner threads and wait for the jobs they may be running."""
    global _runners
    for runner in _runners:  # all told first, so that they wind down together
        runner.stopping.set()
        runner.wake.set()
    for runner in _runners:
        runner.stop()
    _runners = []


def outbox_runner_wake(lane: str) -> None:
    """Tell this process's runners of `lane` (and any without a lane) that a job of it was committed.

    Without any, the other processes' polls find it.
    """
    for runner in _runners:
        if runner.lane in (None, lane):
            runner.wake.set()


__all__ = [
    "OutboxRunner",
    "outbox_claim_next",
    "outbox_run_claimed",
    "outbox_run_due",
    "outbox_runner_start",
    "outbox_runner_stop",
    "outbox_runner_wake",
]
