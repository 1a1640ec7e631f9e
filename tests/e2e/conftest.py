"""Browser tests: a live server reads committed data, so they run transactionally.

A transactional test ends with a flush that empties every table, including what the
data migrations made (groups, root page, workflow). `serialized_rollback=True` reloads
that data before each test; the fixture below reloads it once more when the module is
done, so whatever runs next (a later test, or the next run with --reuse-db) finds the
database as migrated.
"""

from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from playwright.sync_api import Page

from tests.helpers.browser import chromium, shot, tab_on


@pytest.fixture
def tab(live_server, monkeypatch, request) -> Iterator[Page]:
    """A browser tab that may only reach the live server; a failed test leaves a screenshot."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls between
    # browser steps are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as browser, tab_on(browser, live_server.url) as page:
        yield page
        if getattr(request.node, "failed_call", False):
            shot(page, f"failed-{request.node.name}")


@pytest.fixture(autouse=True, scope="module")
def _migrated_data_reloaded(django_db_blocker):
    yield
    # Module teardown runs after the last test's flush and before the test database goes.
    with django_db_blocker.unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents and not ContentType.objects.using(connection.alias).exists():
                connection.creation.deserialize_db_from_string(contents)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Mark a failed test body on its item, so fixtures can keep a screenshot of the failure."""
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report
