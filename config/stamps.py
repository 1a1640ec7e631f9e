"""Stamps: small integers every process of a deployment reads on each request to learn what changed.

A stamp (the content generation, the ruleset stamp) only ever grows. Processes keep
memos keyed by a stamp's value, so a bump by any process (a gunicorn worker, the
admin, `manage.py shell`, a Celery worker) retires those memos everywhere on the
next request.

Where a stamp lives follows the cache: with REDIS_URL, a Redis key (the cache every
process already shares); on the embedded default, a file under SHARED_STATE_DIR,
read with one `pread` of an open file per request, no database query. A bump takes
an exclusive `flock` and rewrites the file in place; the value is written twice, so a
read that meets a write sees halves that differ and reads again. Two bumps at once
give two distinct, increasing values.
"""

import os
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from config.locks import HostLock


def _fresh_start() -> int:
    # A lost stamp (file deleted, cache flushed) must never come back as a value that
    # processes already memoised: restart from the clock, which only moves forward.
    return time.time_ns() // 1000


_DIGITS = 20
# The value twice: a read that meets a write in progress sees two different halves.
_RECORD = 2 * _DIGITS


def _encode(value: int) -> bytes:
    return (f"{value:0{_DIGITS}d}" * 2).encode()


def _decode(raw: bytes) -> int | None:
    """The value of a record; 0 for none (empty file, reset); None for a torn read."""
    if len(raw) != _RECORD:
        return 0
    first, second = raw[:_DIGITS], raw[_DIGITS:]
    return int(first) if first == second and first.isdigit() else None


class FileStamp:
    """A stamp kept in `<directory>/<name>`; safe across processes on one host.

    Readers keep the file open and `pread` it (no open, no lock: a few microseconds);
    writers rewrite it in place under an exclusive `flock`, so every open descriptor
    sees the new value. A deleted file (an operator emptied the directory) is noticed
    by its link count and reopened.
    """

    def __init__(self, directory: Path, name: str):
        self.path = Path(directory) / name
        self._lock = HostLock(Path(directory) / f"{name}.lock")
        self._fd: int | None = None
        self._pid = 0
        self._opening = threading.Lock()

    def read(self) -> int:
        for _ in range(3):
            fd = self._descriptor()
            value = _decode(os.pread(fd, _RECORD, 0)) if fd is not None else 0
            if value == 0:
                return self._initialise()
            if value is not None:
                return value
        return self._initialise()  # torn three times: read under the writers' lock

    def bump(self) -> int:
        with self._lock:
            # max(): strictly above the old value, and above any value handed out before a
            # lost file (from the clock) so that no process's memo of it is ever reused.
            return self._write(max((self._read_locked() or 0) + 1, _fresh_start()))

    def reset(self) -> None:
        """Forget the value (tests): the next read starts from the clock, above every earlier value."""
        with self._lock:
            self._write(0)

    def _initialise(self) -> int:
        with self._lock:
            return self._read_locked() or self._write(_fresh_start())  # unless another process just did

    def _read_locked(self) -> int:
        try:
            with open(self.path, "rb") as file:
                return _decode(file.read(_RECORD)) or 0
        except FileNotFoundError:
            return 0

    def _write(self, value: int) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            os.pwrite(fd, _encode(value), 0)
        finally:
            os.close(fd)
        return value

    def _descriptor(self) -> int | None:
        with self._opening:
            fd = self._fd
            # Reopened in a forked child (its copy is closed, the parent's stays) and when
            # the file was deleted: that descriptor would keep reading a file nobody writes.
            if fd is not None and self._pid == os.getpid() and os.fstat(fd).st_nlink > 0:
                return fd
            if fd is not None:
                os.close(fd)
            self._fd = None
            try:
                self._fd, self._pid = os.open(self.path, os.O_RDONLY), os.getpid()
            except FileNotFoundError:
                return None
            return self._fd



class CacheStamp:
    """A stamp kept in the shared cache (Redis): INCR is atomic across hosts."""

    def __init__(self, name: str):
        self.key = f"stamp:{name}"

    def read(self) -> int:
        value = cache.get(self.key)
        if value is None:
            cache.add(self.key, _fresh_start(), timeout=None)
            value = cache.get(self.key) or _fresh_start()
        return value

    def bump(self) -> int:
        # Past the clock, as the file stamp: while the cache was unreachable, requests read
        # clock-based values (see `read`), and memos keyed by them must not outlive the bump.
        # INCR by the gap keeps two concurrent bumps distinct; an unreachable cache raises.
        floor = _fresh_start()
        current = cache.get(self.key)
        if current is None:
            if cache.add(self.key, floor, timeout=None):
                return floor
            current = cache.get(self.key) or 0
        return cache.incr(self.key, max(1, floor - current))

    def reset(self) -> None:
        cache.delete(self.key)


class Stamp:
    """A named stamp, kept where the deployment shares state (see the module docstring)."""

    def __init__(self, name: str):
        self.name = name
        self._store: tuple[tuple, FileStamp | CacheStamp] | None = None

    def read(self) -> int:
        """The current value: one file read or one cache GET."""
        return self._backend().read()

    def bump(self) -> int:
        """Move the stamp on (strictly increasing); returns the new value."""
        return self._backend().bump()

    def reset(self) -> None:
        """Forget the value (tests)."""
        self._backend().reset()

    def _backend(self) -> FileStamp | CacheStamp:
        # Settings are read each time (tests override them); the store is rebuilt only when they
        # change. Compared by identity: the same settings give the same objects, at no cost.
        config = (settings.REDIS_URL, settings.SHARED_STATE_DIR)
        if self._store is None or any(a is not b for a, b in zip(self._store[0], config)):
            store = CacheStamp(self.name) if config[0] else FileStamp(Path(config[1]) / "stamps", self.name)
            self._store = (config, store)
        return self._store[1]
