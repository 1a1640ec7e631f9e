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
from wagtail.search.index import get_indexed_models

from cms.api.keys import api_key_create
from cms.models import ArticlePage
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
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch9",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX_PREFIX": f"tailor_test_{uuid.uuid4().hex[:12]}_",
            "TIMEOUT": 30,
        }
    }
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
