"""Server-side exposures: the arms this process served, buffered in memory, written in batches.

The request path only puts a row in a dict under a lock (no query, no I/O); the served
impressions' flusher thread (personalization.events.served) writes the batch with
`record_exposures`, where the first exposure of a visitor wins. A visitor served many
times between two flushes is one row; one already written recently is not written again.
"""

import threading
from collections import OrderedDict
from datetime import datetime, timezone

from django.conf import settings

# (experiment, visitor id) pairs this process wrote recently: not written again (the first exposure wins anyway).
RECENT_MAX = 50_000

ExposureRow = tuple[str, str, str, int, datetime]  # (experiment, arm, visitor id, channel id, at)


class _Exposures:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], ExposureRow] = {}
        self.recent: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.lock = threading.Lock()

    def add(self, experiment: str, arm: str, visitor_id: str, channel_id: int) -> None:
        pair = (experiment, visitor_id)
        with self.lock:
            if pair in self.rows or pair in self.recent or len(self.rows) >= settings.EXPOSURES_BUFFER_MAX:
                return
            self.rows[pair] = (experiment, arm, visitor_id, channel_id, datetime.now(timezone.utc))

    def take(self) -> dict[tuple[str, str], ExposureRow]:
        with self.lock:
            rows, self.rows = self.rows, {}
        return rows

    def written(self, pairs) -> None:
        with self.lock:
            for pair in pairs:
                self.recent[pair] = None
            while len(self.recent) > RECENT_MAX:
                self.recent.popitem(last=False)

    def put_back(self, rows: dict[tuple[str, str], ExposureRow]) -> None:
        with self.lock:
            for pair, row in rows.items():
                self.rows.setdefault(pair, row)


_buffer = _Exposures()


def exposure_note(*, experiment: str, arm: str, visitor_id: str, channel_id: int) -> None:
    """Note that a visitor was served an arm's content (no I/O: written by the next flush)."""
    _buffer.add(experiment, arm, visitor_id, channel_id)


def exposures_flush() -> int:
    """Write this process's buffered exposures; how many rows were sent. A failed batch stays buffered."""
    from personalization.experiments.exposures import record_exposures

    rows = _buffer.take()
    if not rows:
        return 0
    try:
        record_exposures(rows.values())
    except Exception:
        _buffer.put_back(rows)
        raise
    _buffer.written(rows.keys())
    return len(rows)


def exposures_reset() -> None:
    """Forget what this process buffered and wrote (tests; a forked child starts empty)."""
    global _buffer
    _buffer = _Exposures()
