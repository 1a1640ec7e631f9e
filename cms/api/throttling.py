"""Per-key rate limits, atomic across processes when the cache is Redis.

A fixed window counted with the cache's atomic add-then-increment: Redis INCR
never overshoots under concurrency, unlike DRF's read-modify-write throttles,
and one key's burst never touches another key's counter. While the cache is
unreachable nothing can be counted: API_RATE_LIMIT_ON_CACHE_ERROR decides whether
requests pass uncounted ("open") or are refused with a 503 ("closed").
"""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from cms.api.problems import ProblemError
from config.cache import CacheUnavailable

# How long a client refused during a cache outage should wait: about one probe of the cache.
OUTAGE_RETRY_AFTER_SECONDS = 5


class KeyRateThrottle(BaseThrottle):
    """Allows API_RATE_LIMIT requests per API_RATE_WINDOW_SECONDS for each key."""

    def allow_request(self, request, view) -> bool:
        grant = request.auth
        if grant is None:
            return True
        limit, window = settings.API_RATE_LIMIT, settings.API_RATE_WINDOW_SECONDS
        now = time.time()
        window_start = int(now // window) * window
        key = f"ratelimit:{grant.prefix}:{window_start}"
        try:
            count = _count(key, window)
        except CacheUnavailable:
            if settings.API_RATE_LIMIT_ON_CACHE_ERROR == "closed":
                raise ProblemError(
                    "rate limits cannot be counted right now; try again shortly", status_code=503,
                    headers={"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)},
                ) from None
            return True
        self.reset = max(1, int(window_start + window - now + 0.999))
        request.rate_limit = (limit, max(0, limit - count), self.reset)
        return count <= limit

    def wait(self) -> float:
        return self.reset


def _count(key: str, window: int) -> int:
    """This request's number in its window; raises CacheUnavailable when the cache cannot count."""
    cache.add(key, 0, timeout=window + 1)
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add and incr (or the add was dropped)
        cache.add(key, 1, timeout=window + 1)
        return 1


def rate_limit_headers(request) -> dict[str, str]:
    """IETF RateLimit headers for a request that passed through the throttle."""
    state = getattr(request, "rate_limit", None)
    if state is None:
        return {}
    limit, remaining, reset = state
    return {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(remaining), "RateLimit-Reset": str(reset)}
