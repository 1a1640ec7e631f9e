"""Test settings: the base settings with fast hashing, isolated media and a shareable test database.

Celery stays eager unless a test starts a real worker (tests/helpers/celery.py);
CELERY_BROKER_URL is kept so those tests reach the real broker.
"""

import tempfile

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="tailor-test-media-")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# A Celery worker in another process must see the test database: on SQLite that
# needs a file, not the in-memory default.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": f"{tempfile.gettempdir()}/tailor-test-{env('PYTEST_XDIST_WORKER', default='main')}.sqlite3"}

TEST_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
