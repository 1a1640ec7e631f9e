"""Liveness and readiness probes for load balancers and orchestrators."""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from config.cache import CacheUnavailable, cache_unavailable


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    """A round trip through the cache; fails while a resilient cache is skipping an unreachable server."""
    cache.set("readyz", "ok", 5)
    value = cache.get("readyz")
    unavailable = cache_unavailable()
    if unavailable:
        raise CacheUnavailable(unavailable)
    if value != "ok":
        raise RuntimeError("cache did not return the value it was given")


def check_broker() -> None:
    """Eager mode has no broker to reach; otherwise connect within the broker timeout."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=settings.BROKER_TIMEOUT_SECONDS)


def check_search() -> dict | None:
    """The Elasticsearch cluster, when one is configured, within ELASTICSEARCH_READY_TIMEOUT; its name and version.

    The database backend needs nothing beyond the database check.
    """
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend()
    client = getattr(backend, "es", None)
    if client is None:
        return {"backend": "database"}
    # One short request, no retries: a probe must answer fast, and an unreachable cluster
    # means not ready (search would answer 503), with the client's reason.
    info = client.options(request_timeout=settings.ELASTICSEARCH_READY_TIMEOUT, max_retries=0).info()
    return {"backend": "elasticsearch", "cluster": info.get("cluster_name", ""), "version": info.get("version", {}).get("number", "")}


CHECKS: dict[str, Callable[[], dict | None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "search": check_search,
}


def run_check(check: Callable[[], dict | None]) -> dict:
    """A check's status and time; what it reports of itself (a dict) is added, a failure's reason too."""
    started = time.perf_counter()
    try:
        details = check() or {}
    except Exception as exc:  # a probe reports every failure, whatever its type
        return {"status": "fail", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1), **details}


@never_cache
def healthz(request):
    """The process is up and serving; checks nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Every dependency answers; 503 with each check's status when one does not."""
    results = {name: run_check(check) for name, check in CHECKS.items()}
    ready = all(result["status"] == "ok" for result in results.values())
    return JsonResponse({"status": "ok" if ready else "fail", "checks": results}, status=200 if ready else 503)
