"""Search on a real Elasticsearch 9 cluster, through the delivery API and the outbox.

Elasticsearch cannot run on the machines CI uses: these tests run only when
ELASTICSEARCH_URL points at a cluster (`ELASTICSEARCH_URL=http://localhost:9200 make test`)
and are otherwise reported as skipped, with the reason. Each test writes to indices
under a prefix of its own and deletes them afterwards.
"""

import os
import uuid

import pytest
from django.test import Client
from wagtail.search.backends import get_search_backend
from wagtail.models import Page
from wagtail.search.index import get_indexed_models

from cms.api.keys import api_key_create
from cms.models import ArticlePage, OutboxJob
from search.backends import search_backends
from search.indexing import INDEX_JOB
from search.reconcile import reconcile
from tests.factories import ArticlePageFactory, ChannelFactory

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")

pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.skipif(not ELASTICSEARCH_URL, reason="ELASTICSEARCH_URL does not point at an Elasticsearch cluster"),
    pytest.mark.django_db,
]


@pytest.fixture
def backend(settings):
    """Wagtail's Elasticsearch 9 backend on fresh indices of this test's own."""
    settings.WAGTAILSEARCH_BACKENDS = search_backends(
        elasticsearch_url=ELASTICSEARCH_URL, index_prefix=f"tailor_test_{uuid.uuid4().hex[:12]}", timeout=30
    )
    backend = get_search_backend()
    backend.reset_indexes()
    for model in get_indexed_models():  # the mappings, as `update_index` puts them
        backend.get_index_for_model(model).add_model(model)
    yield backend
    for index in backend.all_indexes():
        index.delete()


@pytest.fixture
def key(home):
    return api_key_create(channel=ChannelFactory(slug="web"), name="search", scopes=["delivery"])[1]


def search(key: str, query: str) -> list[str]:
    response = Client().get("/api/v2/pages/", {"search": query}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def test_the_api_finds_live_pages_and_never_drafts(backend, key, home):
    live = ArticlePageFactory(parent=home, title="Mapping the customer journey")
    draft = ArticlePageFactory(parent=home, title="Journey secrets", live=False)
    backend.add_bulk(ArticlePage, [live, draft])
    backend.refresh_indexes()

    assert search(key, "journey") == ["Mapping the customer journey"]
    assert search(key, "kiosk") == []


def test_a_publish_reaches_the_index_through_the_outbox(backend, key, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticlePageFactory(parent=home, title="Kiosk screens that sell", live=False)
        article.save_revision().publish()
    backend.refresh_indexes()

    assert search(key, "kiosk") == ["Kiosk screens that sell"]
    assert OutboxJob.objects.get(handler=INDEX_JOB, args=["cms.ArticlePage", str(article.pk)]).done_at is not None


def test_unpublishing_removes_the_document(backend, key, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticlePageFactory(parent=home, title="Gannet cliffs")
    backend.refresh_indexes()
    assert search(key, "gannet") == ["Gannet cliffs"]

    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    backend.refresh_indexes()

    assert backend.search("gannet", ArticlePage).count() == 0


def test_the_reconciler_scrolls_the_cluster_and_repairs_it(backend, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kept, lost, unpublished = (ArticlePageFactory(parent=home, title=f"Tern {n}") for n in ("kept", "lost", "gone"))
    reconcile()  # the home page and the tree root, made before jobs ran at commit
    backend.refresh_indexes()
    assert reconcile().repairs == 0

    backend.delete(lost)  # drift no signal reports
    Page.objects.filter(pk=unpublished.pk).update(live=False)
    backend.refresh_indexes()

    report = reconcile()
    backend.refresh_indexes()

    counts = report.models["cms.ArticlePage"]
    assert (counts.added, counts.removed) == (1, 1)
    assert sorted(page.title for page in backend.search("tern", ArticlePage)) == ["Tern kept", "Tern lost"]
    assert reconcile().repairs == 0


def test_the_index_analyses_text_in_the_sites_language(backend, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ArticlePageFactory(parent=home, title="Running shoes for winter")
    backend.refresh_indexes()

    # The English analyzer stems: "runs" and "running" share the stem "run".
    assert [page.title for page in backend.search("runs", ArticlePage)] == ["Running shoes for winter"]
