"""Settings for the wagtail-personalisation comparison (wagtail_personalisation_measure.py).

Only what both sides need in one process: Wagtail's core and admin (wagtail-personalisation
imports its panels and hooks), wagtail-personalisation with the apps it requires, and our
``personalization`` app, because request_context reads stored profiles through its models.
The database is SQLite in memory, the cache is in-process: the fastest stores either side
could have, so the figures are those of the evaluation code rather than of I/O.
"""

SECRET_KEY = "benchmark-only-never-deployed-0123456789-abcdefghijklmnopqrstuvwxyz"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["testserver"]
STATIC_URL = "/static/"
WAGTAIL_SITE_NAME = "Benchmark"

INSTALLED_APPS = [
    "personalization",
    "wagtail_personalisation",
    "wagtail_modeladmin",
    "wagtailfontawesomesvg",
    "wagtail.images",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]

# Our migrations depend on the cms app, which the comparison does not need: the tables of
# ``personalization`` are created from its models instead (migrate --run-syncdb).
MIGRATION_MODULES = {"personalization": None}

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
