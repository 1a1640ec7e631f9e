"""Stamps: small integers every process of a deployment reads on each request to learn what changed.

A stamp (the content generation, the ruleset stamp) only ever grows. Processes keep
memos keyed by a stamp's value, so a bump by any process (a gunicorn worker, the
admin, `manage.py shell`, a Celery worker) retires those memos everywhere on the
next request.

Where a stamp lives follows the cache: with REDIS_URL, a Redis key (the cache every
process already shares); on the embedded default, a file under SHARED_STATE_DIR,
read with one small `read()` per request, no database query. A bump takes an
exclusive `flock`, writes a temporary file and renames it over the old one, so a
reader sees the old value or the new one, never half of it, and two bumps at once
give two distinct, increasing values.
"""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from config.locks import host_lock


def _fresh_start() -> int:
    # A lost stamp (file deleted, cache flushed) must never come back as a value that
    # processes already memoised: restart from the clock, which only moves forward.
    return time.time_ns() // 1000


class FileStamp:
    """A stamp kept in `<directory>/<name>`; safe across processes on one host."""

    def __init__(self, directory: Path, name: str):
        self.path = Path(directory) / name
        self._lock_path = Path(directory) / f"{name}.lock"

    def read(self) -> int:
        try:
            with open(self.path, "rb") as file:
                return int(file.read())
        except (FileNotFoundError, ValueError):
            return self._initialise()

    def bump(self) -> int:
        with self._locked():
            try:
                old = int(self.path.read_bytes())
            except (FileNotFoundError, ValueError):
                old = 0
            # max(): strictly above the old value, and above any value handed out before a
            # lost file (from the clock) so that no process's memo of it is ever reused.
            return self._write(max(old + 1, _fresh_start()))

    def reset(self) -> None:
        """Forget the value (tests): the next read starts from the clock, above every earlier value."""
        with self._locked():
            self.path.unlink(missing_ok=True)

    def _initialise(self) -> int:
        with self._locked():
            try:
                return int(self.path.read_bytes())  # another process initialised it meanwhile
            except (FileNotFoundError, ValueError):
                return self._write(_fresh_start())

    def _write(self, value: int) -> int:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(str(value).encode())
        os.replace(temporary, self.path)
        return value

    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return host_lock(self._lock_path)


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
        try:
            return cache.incr(self.key)
        except ValueError:  # lost: restart from the clock, above every earlier value
            value = _fresh_start()
            cache.add(self.key, value, timeout=None)
            return value

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
        # Settings are read each time (tests override them); the store is rebuilt only when they change.
        config = (settings.REDIS_URL, settings.SHARED_STATE_DIR)
        if self._store is None or self._store[0] != config:
            store = CacheStamp(self.name) if config[0] else FileStamp(Path(config[1]) / "stamps", self.name)
            self._store = (config, store)
        return self._store[1]
