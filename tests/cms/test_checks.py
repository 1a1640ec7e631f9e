"""The system checks refuse a production configuration whose processes would not share state."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SHARED_FILES = {"default": {"BACKEND": "config.file_cache.SharedFileCache", "LOCATION": "/tmp/tailor-check-cache"}}


def check_output() -> str:
    out = StringIO()
    call_command("check", stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.parametrize("backend", ["locmem.LocMemCache", "dummy.DummyCache"])
def test_production_with_a_process_local_cache_is_refused(settings, backend):
    settings.DEBUG = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/1"
    settings.CACHES = {"default": {"BACKEND": f"django.core.cache.backends.{backend}"}}
    with pytest.raises(SystemCheckError, match="tailor.E002"):
        check_output()


def test_development_may_use_a_process_local_cache(settings):
    settings.DEBUG = True
    settings.CACHES = LOCMEM
    assert "tailor.E002" not in check_output()


def test_production_on_the_shared_file_cache_passes(settings):
    settings.DEBUG = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/1"
    settings.CACHES = SHARED_FILES
    output = check_output()
    assert "tailor.E002" not in output and "tailor.W002" not in output


def test_production_without_a_broker_is_warned_about(settings):
    settings.DEBUG = False
    settings.CELERY_BROKER_URL = ""
    settings.CACHES = SHARED_FILES
    assert "tailor.W002" in check_output()
