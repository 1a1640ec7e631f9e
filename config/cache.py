"""A Redis cache that degrades instead of failing: an unreachable cache is a miss, never a 500.

Every value in the cache can be rebuilt from the database, so while Redis is down
reads miss and writes are dropped; the API serves uncached. A circuit breaker keeps
a request from paying the socket timeout on each of its cache calls: after a failure
the cache is skipped for `RETRY_AFTER_SECONDS`, then one call probes it.

Two operations cannot be dropped silently, because their caller must know:
`incr`/`decr` (a rate-limit count, a content-generation bump) raise
`CacheUnavailable`. Invalidations dropped during an outage are made good when the
cache comes back: `cache_recovered` is sent before any other call reaches it, and
the apps move their generations on in its receivers.
"""

import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.dispatch import Signal
from redis import exceptions as redis_errors

# What an unreachable (or failed-over, read-only) server raises; other errors are bugs and propagate.
UNREACHABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.ReadOnlyError)

logger = logging.getLogger(__name__)

# Sent (with `cache`: the backend) when a cache that was unreachable answers again,
# before any other call is let through: receivers retire what may have gone stale.
cache_recovered = Signal()


class CacheUnavailable(RuntimeError):
    """The cache could not be reached (or is being skipped after a recent failure)."""


class CircuitBreaker:
    """Closed while calls succeed; open for `retry_after` seconds after a failure, then one call probes.

    Thread-safe: while open, and while one thread probes, every other call is skipped.
    Logs once when it opens, at most once per `log_every` seconds while it stays open,
    and once when it closes.
    """

    def __init__(
        self, name: str, *, retry_after: float, log_every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.name = name
        self.retry_after = retry_after
        self.log_every = log_every
        self.clock = clock
        self.lock = threading.Lock()
        self.opened_at: float | None = None
        self.retry_at = 0.0
        self.logged_at = 0.0
        self.last_error = ""
        self.failures = 0  # ever: lets a caller tell whether a call it made failed

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def allow(self) -> str | None:
        """"call" when the breaker is closed, "probe" when this caller may try an open one, else None."""
        if self.opened_at is None:
            return "call"
        with self.lock:
            now = self.clock()
            if self.opened_at is None:
                return "call"
            if now < self.retry_at:
                return None
            self.retry_at = now + self.retry_after  # the others keep skipping while this caller probes
            return "probe"

    def failed(self, error: BaseException) -> None:
        with self.lock:
            now = self.clock()
            self.failures += 1
            self.last_error = f"{type(error).__name__}: {error}"[:300]
            self.retry_at = now + self.retry_after
            if self.opened_at is None:
                self.opened_at = self.logged_at = now
                logger.error("cache %s unreachable, serving uncached for now: %s", self.name, self.last_error)
            elif now - self.logged_at >= self.log_every:
                self.logged_at = now
                logger.error(
                    "cache %s still unreachable after %.0f s, serving uncached: %s",
                    self.name, now - self.opened_at, self.last_error,
                )

    def closed(self) -> None:
        with self.lock:
            if self.opened_at is not None:
                down_for = self.clock() - self.opened_at
                logger.warning("cache %s reachable again after %.0f s", self.name, down_for)
            self.opened_at = None
            self.last_error = ""


_breakers: dict[tuple[str, float], CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def _breaker_for(location: str, retry_after: float) -> CircuitBreaker:
    """One breaker per server and process: Django makes a backend per thread, an outage is per server."""
    with _breakers_lock:
        key = (location, retry_after)
        if key not in _breakers:
            _breakers[key] = CircuitBreaker(_without_credentials(location), retry_after=retry_after)
        return _breakers[key]


def _without_credentials(location: str) -> str:
    """The server as logs may name it: a password in REDIS_URL stays out of them."""
    parts = (urlsplit(url) for url in location.split(","))
    return ",".join(part._replace(netloc=part.netloc.rpartition("@")[2]).geturl() for part in parts)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache with bounded failure: misses and dropped writes while Redis is unreachable.

    OPTIONS as for RedisCache (set `socket_connect_timeout` and `socket_timeout`; redis-py
    does not retry unless told to), plus RETRY_AFTER_SECONDS: how long to skip the cache
    after a failure before probing it again.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_after = float(options.pop("RETRY_AFTER_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._probing = threading.local()
        self.breaker = _breaker_for(server if isinstance(server, str) else ",".join(server), retry_after)

    def _guarded(self, operation: Callable, *args, fallback: Callable | None = None):
        """Run `operation` unless the breaker is open; if the server is unreachable, fall back (or raise)."""
        # The probing thread's own calls (from cache_recovered receivers) go through.
        permission = "call" if getattr(self._probing, "active", False) else self.breaker.allow()
        try:
            if permission is None:
                raise CacheUnavailable(self.breaker.last_error or "cache skipped after a recent failure")
            if permission == "probe":
                self._probe()
            return operation(*args)
        except UNREACHABLE as exc:
            self._failed(exc)
            error = CacheUnavailable(str(exc))
        except CacheUnavailable as exc:
            error = exc
        if fallback is None:
            raise error
        return fallback()

    def _probe(self) -> None:
        """PING; on success let receivers retire what may be stale, and only then close the breaker.

        Until every receiver has succeeded the cache stays skipped (and is probed again),
        so nothing cached before the outage is served while a dropped invalidation is pending.
        """
        try:
            self._cache.get_client(write=True).ping()
        except UNREACHABLE as exc:
            self._failed(exc)
            raise CacheUnavailable(str(exc)) from exc
        failures = self.breaker.failures
        self._probing.active = True
        try:
            results = cache_recovered.send_robust(sender=type(self), cache=self)
        finally:
            self._probing.active = False
        errors = [result for _, result in results if isinstance(result, Exception)]
        if errors:
            self.breaker.failed(errors[0])
        if errors or self.breaker.failures != failures:  # a receiver failed, or a write of its was dropped
            raise CacheUnavailable(f"the cache failed again while recovering: {self.breaker.last_error}")
        self.breaker.closed()

    def _failed(self, exc: BaseException) -> None:
        self.breaker.failed(exc)
        # Pooled sockets to a restarted server are dead: reconnect from scratch on the next probe.
        for pool in list(self._cache._pools.values()):
            pool.disconnect()

    # Reads miss and writes are dropped while the cache is unreachable.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().add, key, value, timeout, version, fallback=lambda: False)

    def get(self, key, default=None, version=None):
        return self._guarded(super().get, key, default, version, fallback=lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().set, key, value, timeout, version, fallback=lambda: None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().touch, key, timeout, version, fallback=lambda: False)

    def delete(self, key, version=None):
        return self._guarded(super().delete, key, version, fallback=lambda: False)

    def get_many(self, keys, version=None):
        return self._guarded(super().get_many, keys, version, fallback=dict)

    def has_key(self, key, version=None):
        return self._guarded(super().has_key, key, version, fallback=lambda: False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().set_many, data, timeout, version, fallback=lambda: list(data))

    def delete_many(self, keys, version=None):
        return self._guarded(super().delete_many, keys, version, fallback=lambda: None)

    # Counters raise: a lost increment would let a rate limit or an invalidation slip silently.
    def incr(self, key, delta=1, version=None):
        return self._guarded(super().incr, key, delta, version)

    def clear(self):
        return self._guarded(super().clear)


def cache_unavailable(alias: str = "default") -> str | None:
    """Why the cache is being skipped (the last error), or None when it is in use.

    Caches without a circuit breaker (local memory, files) are always in use.
    """
    breaker = getattr(caches[alias], "breaker", None)
    if breaker is None or not breaker.is_open:
        return None
    return breaker.last_error or "unreachable"
