"""The embedded default's shared cache: Django's file-based cache, atomic where callers need it.

Every local process (gunicorn workers, the admin, shell, Celery) sees the same entries,
so profile caches, visit windows, rate-limit counters and key last-used marks are
shared as they are with Redis. Django's FileBasedCache lacks two things they rely on:

- `add` and `incr` are read-then-write; here they hold an exclusive `flock` on one
  lock file, so two processes never both win an `add` and no increment is lost
  (the rate limiter counts exactly under a burst). `incr` keeps the entry's expiry,
  as Redis INCR and LocMemCache do (Django's would reset it to the default timeout),
  and rewrites the entry in place (tens of microseconds, not a rename's flush).
- every `set` lists the directory to cull it; here that is done at most every
  CULL_EVERY_SECONDS per process, so a write costs a file write, not a directory scan.
"""

import os
import pickle
import time
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

from config.locks import HostLock

CULL_EVERY_SECONDS = 5.0


class SharedFileCache(FileBasedCache):
    """A FileBasedCache whose `add` and `incr` are atomic across the processes of one host."""

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._host_lock = HostLock(os.path.join(self._dir, "atomic.lock"))
        self._culled_at = 0.0

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.has_key(key, version):
            return False  # the common case (a rate-limit window already open) takes no lock
        with self._host_lock:
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        fname = self._key_to_file(key, version)
        with self._host_lock:
            try:
                with open(fname, "r+b") as file:
                    expiry = pickle.load(file)
                    if expiry is not None and expiry < time.time():
                        raise ValueError(f"Key '{key}' not found")
                    value = pickle.loads(zlib.decompress(file.read())) + delta
                    # Rewritten in place, not replaced by a rename: on ext4 a rename over an
                    # existing file flushes its data first (about 1 ms, per request for the
                    # rate limiter). Writers hold the lock; `get` treats a torn read as a miss.
                    payload = pickle.dumps(expiry, self.pickle_protocol) + zlib.compress(
                        pickle.dumps(value, self.pickle_protocol)
                    )
                    size = file.tell()
                    file.seek(0)
                    file.write(payload)
                    if len(payload) < size:
                        file.truncate()
            except (FileNotFoundError, EOFError):
                raise ValueError(f"Key '{key}' not found") from None
        return value

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except (EOFError, ValueError, pickle.UnpicklingError, zlib.error):
            return default  # read while `incr` rewrote it: as if absent

    def _cull(self):
        now = time.monotonic()
        if now - self._culled_at < CULL_EVERY_SECONDS:
            return
        self._culled_at = now
        super()._cull()

