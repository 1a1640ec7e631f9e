"""Settings for the API benchmark (tests/benchmarks/bench_api.py): production-like, plus the reference API.

The base settings (DATABASE_URL, MEDIA_ROOT and SECRET_KEY come from the environment that
bench_api.py sets), with DEBUG off, Wagtail's stock API v2 and a trivial JSON view mounted
beside ours (tests.helpers.reference_urls), quiet logs, and a rate limit high enough that
the load generator measures the API rather than its 429s (the limiter still runs).
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, LOGGING, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # bench_api.py generates one per run; the checks refuse a short one
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.helpers.reference_urls"

API_RATE_LIMIT = 10**9

LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}

if env.bool("BENCH_SEEDING", default=False) and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Seeding a throwaway database: no fsync per commit. The server runs with the default.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=OFF",
    }
