import os

import pytest
from django.db import connection

from tests.helpers.processes import manage, python

PRINT_ENGINE = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"


def test_sqlite_is_the_default_database():
    result = manage("shell", "-c", PRINT_ENGINE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("django.db.backends.sqlite3")


def test_database_url_selects_postgresql():
    result = manage("shell", "-c", PRINT_ENGINE, env={"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("django.db.backends.postgresql")


def test_elasticsearch_url_selects_the_elasticsearch_backend():
    code = "from django.conf import settings; print(settings.WAGTAILSEARCH_BACKENDS['default'])"
    result = manage("shell", "-c", code, env={"ELASTICSEARCH_URL": "http://search.example:9200"})
    assert result.returncode == 0, result.stderr
    assert "wagtail.search.backends.elasticsearch9" in result.stdout and "http://search.example:9200" in result.stdout
    assert "'INDEX_PREFIX': 'tailor_'" in result.stdout and "'INDEX'" not in result.stdout  # INDEX goes in Wagtail 8


@pytest.mark.django_db
def test_suite_runs_on_the_configured_database():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


# Every way the project starts: management commands, gunicorn's WSGI app, a Celery worker.
# gunicorn and Celery run no system checks, so the refusal must come from loading the settings.
ENTRY_POINTS = {
    "manage.py": ["manage.py", "check"],
    "wsgi": ["-c", "import config.wsgi"],
    "celery": ["-m", "celery", "-A", "config", "report"],
}
PRODUCTION = {"DEBUG": "false", "ALLOWED_HOSTS": "example.com"}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_production_mode_refuses_the_development_secret_key(entry_point):
    result = python(*ENTRY_POINTS[entry_point], env=PRODUCTION)
    assert result.returncode != 0
    assert "tailor.E001" in result.stderr


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_production_mode_starts_with_a_real_secret_key(entry_point):
    result = python(*ENTRY_POINTS[entry_point], env={**PRODUCTION, "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr


def test_json_logging_prints_one_object_per_line():
    code = "import logging, json; logging.getLogger('tailor').warning('hello %s', 'world')"
    result = manage("shell", "-c", code, env={"LOG_FORMAT": "json"})
    line = [line for line in result.stderr.splitlines() if "hello" in line][0]
    import json

    record = json.loads(line)
    assert record["event"] == "hello world"
    assert record["level"] == "warning"
