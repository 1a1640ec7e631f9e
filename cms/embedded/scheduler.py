"""The embedded scheduler: CELERY_BEAT_SCHEDULE run by a thread of the serving process, not beat.

Each entry of CELERY_BEAT_SCHEDULE (a number of seconds, a timedelta or a crontab,
with optional args and kwargs) runs its Celery task locally (`Task.apply`) when due,
so a periodic task is added by adding an entry, for beat and for this alike.

Every serving process runs a scheduler; a `PeriodicRun` row per entry decides which
process runs a tick: the due check reads `last_run_at`, and the run is claimed by an
update from exactly that value, which only one process can win. An entry runs on a
thread of its own, so a slow one (a relay waiting on webhooks) delays no other, and
never overlaps itself within a process.
"""

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from celery.schedules import crontab
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone

from cms.models import PeriodicRun

logger = logging.getLogger(__name__)

RUNNER_ID = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class PeriodicEntry:
    """One CELERY_BEAT_SCHEDULE entry and this process's view of it."""

    name: str
    task: str
    schedule: Any  # a celery.schedules.schedule or crontab: is_due(last_run_at) -> (due, next)
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    next_check: float = 0.0  # monotonic time before which the row is not read again
    running: threading.Thread | None = None


def periodic_entries(beat_schedule: dict) -> list[PeriodicEntry]:
    """The entries of a CELERY_BEAT_SCHEDULE, their schedules as Celery reads them."""
    from celery.schedules import maybe_schedule

    from config.celery import app

    return [
        PeriodicEntry(
            name=name,
            task=entry["task"],
            schedule=maybe_schedule(entry["schedule"], relative=entry.get("relative", False), app=app),
            args=tuple(entry.get("args", ())),
            kwargs=dict(entry.get("kwargs", {})),
        )
        for name, entry in beat_schedule.items()
    ]


def periodic_claim(entry: PeriodicEntry) -> tuple[bool, float]:
    """Claim the current tick of `entry` if it is due and no other process took it.

    Returns whether this process should run it, and the seconds until asking again is useful.
    """
    row = PeriodicRun.objects.filter(name=entry.name).values("last_run_at").first()
    if row is None:
        # As beat does: a new interval entry runs at once, a new crontab entry at its next time.
        last_run_at = timezone.now() if isinstance(entry.schedule, crontab) else None
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=entry.name, last_run_at=last_run_at)
        except IntegrityError:  # another process created it first; its last_run_at decides
            return False, 0.0
    else:
        last_run_at = row["last_run_at"]
    if last_run_at is not None:
        due, next_in = entry.schedule.is_due(last_run_at)
        if not due:
            return False, next_in
    now = timezone.now()
    same_read = {"last_run_at": last_run_at} if last_run_at is not None else {"last_run_at__isnull": True}
    claimed = PeriodicRun.objects.filter(name=entry.name, **same_read).update(last_run_at=now, runner=RUNNER_ID)
    if not claimed:
        return False, 0.0
    return True, entry.schedule.is_due(now)[1]


def periodic_run(entry: PeriodicEntry) -> None:
    """Run an entry's task here and now, as a worker would; log its failure."""
    from config.celery import app

    try:
        # Called, not applied: the task's body runs here without Celery's per-run INFO trace,
        # which would log every few seconds under `make run`.
        app.tasks[entry.task](*entry.args, **entry.kwargs)
    except Exception:
        logger.exception("scheduler: %s (%s) failed", entry.name, entry.task)
    finally:
        connections.close_all()  # this thread's connections only: it ends here


class EmbeddedScheduler(threading.Thread):
    """Checks every EMBEDDED_SCHEDULER_TICK_SECONDS which entries are due and claims them."""

    def __init__(self, entries: list[PeriodicEntry]) -> None:
        super().__init__(name="tailor-scheduler", daemon=True)
        self.entries = entries
        self.stopping = threading.Event()

    def run(self) -> None:
        from config.celery import app

        app.loader.import_default_modules()  # once, before the first tick: it takes a second
        tick = settings.EMBEDDED_SCHEDULER_TICK_SECONDS
        while not self.stopping.wait(tick):
            close_old_connections()
            for entry in self.entries:
                self._consider(entry, tick)
        connections.close_all()  # this thread's own connections: it ends here

    def _consider(self, entry: PeriodicEntry, tick: float) -> None:
        if time.monotonic() < entry.next_check or (entry.running and entry.running.is_alive()):
            return
        try:
            claimed, next_in = periodic_claim(entry)
        except Exception:  # the database may be briefly unreachable: ask again next tick
            logger.exception("scheduler: could not claim %s", entry.name)
            claimed, next_in = False, tick
        # Never sleep on an entry longer than its own estimate, but do not re-read every tick either.
        entry.next_check = time.monotonic() + max(min(next_in, 60.0), 0.0)
        if claimed:
            entry.running = threading.Thread(
                target=periodic_run, args=(entry,), name=f"tailor-periodic-{entry.name}", daemon=True
            )
            entry.running.start()

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self.join(timeout)
        for entry in self.entries:
            if entry.running is not None:
                entry.running.join(timeout)
