"""Test settings: base settings with fast hashing, isolated media and state, and a shareable test database.

Celery stays eager unless a test starts a real worker (tests/helpers/celery.py). That
worker runs with these settings plus CELERY_EAGER=0, CELERY_BROKER_URL, CELERY_QUEUE and
DATABASE_URL naming the test database, so it shares the test run's data but not its process.
"""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, REDIS_URL, STORAGES, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="tailor-test-media-")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# A Celery worker in another process must see the test database: on SQLite that
# needs a file, not the in-memory default. The process id keeps concurrent test
# runs on one machine (several checkouts, CI jobs) off each other's database.
_RUN = f"{env('PYTEST_XDIST_WORKER', default='main')}-{os.getpid()}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": f"{tempfile.gettempdir()}/tailor-test-{_RUN}.sqlite3"}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

# The broker that tests with a real worker use; CI sets CELERY_BROKER_URL to its Redis.
TEST_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=True)
CELERY_BROKER_URL = "" if CELERY_TASK_ALWAYS_EAGER else TEST_BROKER_URL
# A worker started by a test consumes a queue of its own, so concurrent runs do not cross-talk.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
# Outbox jobs run at commit in the test's own process: no background thread unless a test starts one.
OUTBOX_RUNNER = "inline" if CELERY_TASK_ALWAYS_EAGER else "celery"

# Stamps and the shared file cache of this run, never the developer's var/shared (tests flush
# it). A process a test starts (a worker, a server) is handed the same directory.
if "TAILOR_TEST_STATE_DIR" not in os.environ:
    os.environ["TAILOR_TEST_STATE_DIR"] = tempfile.mkdtemp(prefix="tailor-test-state-")
SHARED_STATE_DIR = Path(os.environ["TAILOR_TEST_STATE_DIR"])
if not REDIS_URL:
    CACHES = {**CACHES, "default": {**CACHES["default"], "LOCATION": str(SHARED_STATE_DIR / "cache")}}
