"""Per-key rate limits, atomic across processes when the cache is Redis.

A fixed window counted with the cache's atomic add-then-increment: Redis INCR
never overshoots under concurrency, unlike DRF's read-modify-write throttles,
and one key's burst never touches another key's counter.
"""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


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
        cache.add(key, 0, timeout=window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the window expired between add and incr
            cache.add(key, 1, timeout=window + 1)
            count = 1
        self.reset = max(1, int(window_start + window - now + 0.999))
        request.rate_limit = (limit, max(0, limit - count), self.reset)
        return count <= limit

    def wait(self) -> float:
        return self.reset


def rate_limit_headers(request) -> dict[str, str]:
    """IETF RateLimit headers for a request that passed through the throttle."""
    state = getattr(request, "rate_limit", None)
    if state is None:
        return {}
    limit, remaining, reset = state
    return {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(remaining), "RateLimit-Reset": str(reset)}
