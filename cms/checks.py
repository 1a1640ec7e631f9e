"""System checks on how the deployment shares state between its processes.

A production deployment runs several processes (gunicorn workers, Celery, the admin's
commands). A cache that lives in one process's memory would keep rate limits, profiles
and visit windows per process, and hide a change made elsewhere: refused. Without a
broker, background work runs in the publishing process: allowed, but said.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

PROCESS_LOCAL_CACHES = frozenset({
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
})


@register(Tags.caches)
def check_shared_cache(app_configs=None, **kwargs) -> list:
    """With DEBUG off, the default cache must be shared by every process (not LocMem or Dummy)."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Error(
            f"DEBUG is off but the default cache ({backend}) lives in one process: other processes "
            "would not see its rate limits, profiles and visit windows.",
            hint="Set REDIS_URL, or leave CACHES to the settings' default file cache under SHARED_STATE_DIR.",
            id="tailor.E002",
        )
    ]


@register(Tags.compatibility)
def check_broker(app_configs=None, **kwargs) -> list:
    """With DEBUG off and no broker, background work runs in the serving processes: a warning."""
    if settings.DEBUG or settings.CELERY_BROKER_URL:
        return []
    return [
        Warning(
            "DEBUG is off and CELERY_BROKER_URL is empty: webhooks, renditions and indexing run in the "
            "serving processes, and nothing scales them out.",
            hint="Set CELERY_BROKER_URL (e.g. a Redis URL) and run a Celery worker and beat.",
            id="tailor.W002",
        )
    ]
