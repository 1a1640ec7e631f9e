"""ELASTICSEARCH_URL at a closed port of 127.0.0.1: publishing is unaffected, index jobs are retried with
backoff, /readyz says why it is not ready, and once search works again the reconciler repairs the index."""

import socket
import time

import pytest
from django.utils import timezone

from cms.models import ArticlePage, OutboxJob
from cms.outbox import outbox_run
from cms.outbox.runner import outbox_run_due
from search.backends import search_backends
from search.indexing import INDEX_JOB, RETRY_DELAYS
from search.reconcile import reconcile
from tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable(settings):
    """The settings ELASTICSEARCH_URL makes, pointed at a closed port."""
    settings.WAGTAILSEARCH_BACKENDS = search_backends(elasticsearch_url=f"http://127.0.0.1:{closed_port()}", timeout=1)
    return settings


def test_publishing_succeeds_quickly_and_the_index_job_waits_for_a_retry(unreachable, home, django_capture_on_commit_callbacks):
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):  # the job's first attempt runs at commit
        page = ArticlePageFactory(parent=home, title="Puffin colonies", live=False)
        page.save_revision().publish()
    elapsed = time.perf_counter() - started

    assert elapsed < 2.0, f"publishing took {elapsed:.2f} s with the cluster unreachable"
    assert ArticlePage.objects.get(pk=page.pk).live
    job = OutboxJob.objects.get(handler=INDEX_JOB, args=["cms.ArticlePage", str(page.pk)])
    assert job.done_at is None and job.attempts == 1 and "ConnectionError" in job.last_error

    # A runner's attempt fails too and schedules the next by the handler's backoff.
    before = timezone.now()
    assert outbox_run_due() >= 1  # this job, and the others the publish recorded
    job.refresh_from_db()
    assert job.done_at is None and job.attempts == 2
    wait = (job.dispatched_at - before).total_seconds()
    assert RETRY_DELAYS[1] - 1 <= wait <= RETRY_DELAYS[1] + 1
    assert outbox_run_due() == 0  # not due before then


def test_readyz_reports_the_unreachable_cluster_quickly_with_the_reason(unreachable, client):
    started = time.perf_counter()
    response = client.get("/readyz")
    elapsed = time.perf_counter() - started

    assert response.status_code == 503
    search = response.json()["checks"]["search"]
    assert search["status"] == "fail" and "ConnectionError" in search["error"]
    assert elapsed < 1.5


def test_readyz_reports_the_database_backend_when_no_cluster_is_configured(client, db):
    search = client.get("/readyz").json()["checks"]["search"]
    assert search["status"] == "ok" and search["backend"] == "database"


def test_the_reconciler_repairs_the_index_once_search_works_again(unreachable, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = ArticlePageFactory(parent=home, title="Lynx tracks in snow")
    with pytest.raises(Exception, match="Connection"):
        reconcile()  # the cluster is still down: nothing to compare with

    # Recovery, as far as this test can stage it: search answers again (the database backend).
    unreachable.WAGTAILSEARCH_BACKENDS = search_backends()
    from wagtail.search.backends import get_search_backend

    assert list(get_search_backend().search("lynx", ArticlePage)) == []
    report = reconcile()
    assert report.models["cms.ArticlePage"].added == 1 and report.removed == 0
    assert [p.title for p in get_search_backend().search("lynx", ArticlePage)] == ["Lynx tracks in snow"]
    assert reconcile().repairs == 0  # a second run finds nothing to do

    # The job still waiting for its retry now succeeds too, and changes nothing more.
    job = OutboxJob.objects.get(handler=INDEX_JOB, args=["cms.ArticlePage", str(page.pk)])
    assert outbox_run(job.pk)
    assert reconcile().repairs == 0
