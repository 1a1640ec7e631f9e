"""The per-key rate limit holds under concurrency when the cache is Redis (REDIS_URL)."""

import threading
import uuid
from types import SimpleNamespace

import pytest
from django.test import override_settings

from cms.api.keys import KeyGrant
from cms.api.throttling import KeyRateThrottle

LIMIT = 100
THREADS, CALLS_PER_THREAD = 8, 50


def _redis_cache() -> dict:
    """The machine's Redis, under a prefix of this test's own (concurrent runs share the server)."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"test-throttle-{uuid.uuid4().hex}",
        }
    }


def _grant(prefix: str) -> KeyGrant:
    return KeyGrant(key_id=1, prefix=prefix, channel_id=1, channel_slug="web", scopes=frozenset({"delivery"}))


def _allowed_in_a_burst(grant: KeyGrant) -> int:
    """How many of THREADS x CALLS_PER_THREAD simultaneous requests with one key the throttle lets through."""
    start, allowed, lock = threading.Barrier(THREADS), [], threading.Lock()

    def burst():
        start.wait()
        passed = sum(
            KeyRateThrottle().allow_request(SimpleNamespace(auth=grant), view=None) for _ in range(CALLS_PER_THREAD)
        )
        with lock:
            allowed.append(passed)

    threads = [threading.Thread(target=burst) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(allowed)


# The machine's Redis; a day-long window: the burst cannot straddle two windows (each would allow LIMIT more).
@pytest.mark.services
@override_settings(CACHES=_redis_cache(), API_RATE_LIMIT=LIMIT, API_RATE_WINDOW_SECONDS=86_400)
def test_a_concurrent_burst_never_overshoots_the_limit_and_spares_other_keys():
    assert _allowed_in_a_burst(_grant("burst")) == LIMIT
    assert KeyRateThrottle().allow_request(SimpleNamespace(auth=_grant("other")), view=None)
