"""Background work of the embedded default, inside the serving process: no broker, no beat.

With OUTBOX_RUNNER=thread (the default without CELERY_BROKER_URL) every serving
process runs daemon threads: the outbox runners (`cms.outbox.runner`,
OUTBOX_RUNNER_THREADS of them), woken after each commit of a job of their lane and
polling for the rest, and the scheduler (`scheduler`), which runs the entries of
CELERY_BEAT_SCHEDULE but the outbox relay (the runners' poll does its work).
`config.wsgi` and `config.asgi` start them, so they run under gunicorn (in each
worker) and under runserver (in its serving child only: the autoreloader's parent
never loads the WSGI application). Management commands, the
shell, Celery and the tests (OUTBOX_RUNNER=inline) start nothing.

The outbox table and `PeriodicRun` rows share the work between processes; with a
broker, Celery workers and beat do it instead and nothing here starts.
"""

import logging
import os
import threading

from django.conf import settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_started_in: int | None = None  # the pid whose threads are running
_scheduler = None
_fork_hook_installed = False
RELAY_TASK = "cms.relay_outbox"


def embedded_start() -> bool:
    """Start the outbox runner and the scheduler in this process if no broker does their work.

    Idempotent per process; returns whether it started them now.
    """
    global _started_in, _scheduler, _fork_hook_installed
    from cms.outbox.runner import outbox_runner_start

    if settings.OUTBOX_RUNNER != "thread":
        return False
    with _lock:
        if _started_in == os.getpid():
            return False
        from .scheduler import EmbeddedScheduler, periodic_entries

        outbox_runner_start()
        _scheduler = EmbeddedScheduler(periodic_entries(embedded_beat_schedule()))
        _scheduler.start()
        _started_in = os.getpid()
        if not _fork_hook_installed:
            # gunicorn --preload forks workers from a process that started them: threads
            # do not survive a fork, so each child starts its own.
            os.register_at_fork(after_in_child=_restart_after_fork)
            _fork_hook_installed = True
    logger.info("embedded background work started in process %s", os.getpid())
    return True


def embedded_beat_schedule() -> dict:
    """CELERY_BEAT_SCHEDULE without the outbox relay: the runners' poll already finds waiting jobs."""
    return {name: entry for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if entry["task"] != RELAY_TASK}


def embedded_stop() -> None:
    """Stop this process's runner and scheduler, waiting for what they are running."""
    global _started_in, _scheduler
    from cms.outbox.runner import outbox_runner_stop

    with _lock:
        if _started_in != os.getpid():
            return
        if _scheduler is not None:
            _scheduler.stop()
        outbox_runner_stop()
        _started_in, _scheduler = None, None


def _restart_after_fork() -> None:
    global _started_in, _lock
    if _started_in is not None and _started_in != os.getpid():
        _lock = threading.Lock()  # a lock held by another thread at fork time stays held in the child
        _started_in = None
        embedded_start()
