"""Server-side impressions: the personalised bodies this process served, counted in memory, added in batches.

The request path only increments a counter under a lock: no query, no cache call, no
I/O. A body's tally (which segments, slots and variants it counts under, see `tally`)
is read from the body itself once per distinct body (ETag) and process, so a cache hit
counts exactly what the miss that built it did, whichever process built it (the
response cache is shared on Redis).

The same thread writes the experiment exposures buffered beside the counts
(personalization.experiments.exposure_buffer).

A thread of each serving process (`served_flusher_start`, called by config.wsgi and
config.asgi) adds the counts to ServedImpression every IMPRESSIONS_FLUSH_SECONDS with
an upsert that adds (`count = count + excluded.count`), so the batches of every process
sum; a batch that cannot be written stays buffered for the next flush. A process that
exits (SIGTERM to a gunicorn worker, a recycled worker) hands over what it holds.
"""

import atexit
import json
import logging
import os
import threading
import time
from datetime import datetime, timezone

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction

from personalization.events.models import ServedImpression
from personalization.experiments.exposure_buffer import exposures_flush, exposures_reset
from personalization.events.tally import BufferKey, ServedRow, Tally, served_keys, served_rows

logger = logging.getLogger(__name__)

# Distinct bodies whose tally a process remembers; past it the oldest is forgotten (and re-read if served again).
TALLY_MEMO_SIZE = 4096
# Rows per INSERT: 7 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535.
ROWS_PER_STATEMENT = 500

_NOT_PERSONALISED = Tally(())


class _Counts:
    """Bodies served by this process since the last flush, per hour × channel × page × tally."""

    def __init__(self) -> None:
        self.counts: dict[BufferKey, int] = {}
        self.lock = threading.Lock()

    def add(self, key: BufferKey) -> None:
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    def take(self) -> dict[BufferKey, int]:
        with self.lock:
            counts, self.counts = self.counts, {}
        return counts

    def put_back(self, counts: dict[BufferKey, int]) -> None:
        """Return a batch that could not be written: it is added again at the next flush."""
        with self.lock:
            for key, count in counts.items():
                self.counts[key] = self.counts.get(key, 0) + count


_buffer = _Counts()
# An ETag -> the tally of that body (_NOT_PERSONALISED: counts nothing); a decision's keys -> their tally.
_tallies: dict[str | tuple, Tally] = {}
_tallies_lock = threading.Lock()


def _hour() -> int:
    return int(time.time()) // 3600


def served_body_note(*, channel_id: int, page_id: int, etag: str, body: bytes) -> None:
    """Count a cached API body served (a hit, the miss that built it, or a 304 naming it).

    `page_id` is the requested page, 0 for a listing. Bodies nobody personalised count nothing.
    """
    if not settings.IMPRESSIONS_COUNTING:
        return
    tally = _tallies.get(etag)
    if tally is None:
        tally = _remember(etag, _tally_of_body(body))
    if tally is not _NOT_PERSONALISED:
        _buffer.add((_hour(), channel_id, page_id, tally))


def _tally_of_body(body: bytes) -> Tally:
    """The tally of a rendered body, from its `meta.personalization` (read once per body and process)."""
    meta = (json.loads(body).get("meta") or {}).get("personalization") or {}
    if not meta.get("referenced_segments"):
        return _NOT_PERSONALISED
    return Tally(served_keys(meta.get("segments", ()), meta.get("blocks", {}), meta.get("page_variant")))


def _remember(key: str | tuple, tally: Tally) -> Tally:
    with _tallies_lock:
        if len(_tallies) >= TALLY_MEMO_SIZE:
            del _tallies[next(iter(_tallies))]  # the oldest: dicts keep insertion order
        return _tallies.setdefault(key, tally)


def served_decision_note(*, channel_id: int, segments, blocks: dict) -> None:
    """Count a decide response (page 0): its matched segments and the variant each placement chose."""
    if not settings.IMPRESSIONS_COUNTING or not blocks:
        return
    keys = served_keys(segments, blocks)
    # Decisions are not cached: one tally object per distinct outcome keeps the buffer small.
    tally = _tallies.get(keys)
    if tally is None:
        tally = _remember(keys, Tally(keys))
    _buffer.add((_hour(), channel_id, 0, tally))


def served_flush() -> int:
    """Add this process's buffered counts to ServedImpression; how many rows it added to.

    If the database refuses, the batch goes back into the buffer and the error is raised.
    """
    counts = _buffer.take()
    if not counts:
        return 0
    rows = served_rows(counts)
    try:
        served_apply(rows)
    except Exception:
        _buffer.put_back(counts)
        raise
    return len(rows)


def served_apply(rows: dict[ServedRow, int]) -> None:
    """Add counts to ServedImpression rows, creating missing ones, in one transaction.

    An upsert that adds (on SQLite and PostgreSQL alike), so batches of several
    processes landing at the same time sum instead of overwriting each other.
    """
    quote = connection.ops.quote_name
    table = quote(ServedImpression._meta.db_table)
    identity = ["bucket", "channel_id", "page_id", "segment", "slot", "variant"]
    columns = ", ".join(quote(name) for name in [*identity, "count"])
    bucket = ServedImpression._meta.get_field("bucket")
    items = sorted(rows.items())  # one order in every process: concurrent upserts cannot deadlock
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(items), ROWS_PER_STATEMENT):
            chunk = items[start : start + ROWS_PER_STATEMENT]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            params = []
            for row, count in chunk:
                at = datetime.fromtimestamp(row.hour * 3600, tz=timezone.utc)
                params += [bucket.get_db_prep_value(at, connection), *row[1:], count]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "
                f"ON CONFLICT ({', '.join(quote(name) for name in identity)}) "
                f"DO UPDATE SET {quote('count')} = {table}.{quote('count')} + excluded.{quote('count')}",
                params,
            )


class _Flusher(threading.Thread):
    """Flushes this process's counts every IMPRESSIONS_FLUSH_SECONDS, off the request path."""

    def __init__(self) -> None:
        super().__init__(name="tailor-served-impressions", daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(settings.IMPRESSIONS_FLUSH_SECONDS):
            close_old_connections()  # honour CONN_MAX_AGE and drop a connection the database closed
            try:
                served_flush()
            except Exception:  # the database may be briefly unreachable: the counts wait for the next flush
                logger.exception("served impressions: could not add a batch; it stays buffered")
            try:
                exposures_flush()
            except Exception:  # likewise: the exposures wait for the next flush
                logger.exception("experiment exposures: could not write a batch; it stays buffered")
        connections.close_all()  # this thread's own connections: it ends here

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self.join(timeout)


_flusher: _Flusher | None = None
_flusher_pid: int | None = None
_hooks_installed = False


def served_flusher_start() -> None:
    """Flush this serving process's counts in the background and at exit. Idempotent per process.

    Only serving processes start it (elsewhere nothing is served), with or without a
    broker: the counts are in this process's memory. Not in tests (OUTBOX_RUNNER=inline:
    no background work), where a test flushes with `served_flush()` in its own transaction.
    """
    global _flusher, _flusher_pid, _hooks_installed
    if _flusher_pid == os.getpid() or settings.OUTBOX_RUNNER == "inline":
        return
    _flusher, _flusher_pid = _Flusher(), os.getpid()
    _flusher.start()
    if not _hooks_installed:
        atexit.register(_flush_at_exit)
        # gunicorn --preload forks workers from a process that started it: threads do not survive a fork.
        os.register_at_fork(after_in_child=_restart_after_fork)
        _hooks_installed = True


def _restart_after_fork() -> None:
    global _buffer, _tallies_lock
    if _flusher_pid is not None:  # the parent ran a flusher: this child needs its own
        # The parent's counts are the parent's to flush; locks held at fork time stay held in the child.
        _buffer, _tallies_lock = _Counts(), threading.Lock()
        exposures_reset()
        served_flusher_start()


def _flush_at_exit() -> None:
    """A serving process that stops hands over its counts (up to IMPRESSIONS_FLUSH_SECONDS of them)."""
    if _flusher_pid != os.getpid():
        return
    _flusher.stop()
    try:
        served_flush()
        exposures_flush()
    except Exception:  # the database may already be gone; nothing else can be done at exit
        logger.exception("served impressions: could not hand over the buffered counts at exit")


__all__ = ["served_apply", "served_body_note", "served_decision_note", "served_flush", "served_flusher_start"]
