"""Hostile queries answer a 400 or results, quickly, never a 500; an unreachable backend answers 503."""

import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db

HOSTILE = {
    "10,000 characters without spaces": "x" * 10_000,
    "200 characters without spaces": "y" * 200,
    "regex metacharacters": r".*+?^$()[]{}|\ (a|b)* [^x]",
    "unbalanced double quote": '"compost heap',
    "unbalanced single quote": "compost's heap'",
    "lone quote": '"',
    "only stop words": "the and of a to",
    "empty": "",
    "only whitespace": " \t ",
    "FTS operators": "compost AND NOT heap OR NEAR(a b) *",
    "FTS column filter": "title:compost body:",
    "SQL": "'; DROP TABLE wagtailcore_page; --",
    "tsquery syntax": "compost & !heap | (a <-> b):*",
    "only punctuation": "!!! ??? ...",
    "unicode": "Kompost für Gärten 🌱 堆肥",
    "a lone hyphen": "-",
    "a key:value filter only": "a:b",
}


@pytest.fixture
def corpus(home, indexed, web_key, no_rate_limit):
    with indexed():
        ArticlePageFactory(parent=home, title="Compost heap", summary="Garden")
        ArticlePageFactory(parent=home, title="The compost of the year", summary="Garden")


@pytest.mark.parametrize("q", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("path", ["/api/v2/search/", "/api/v2/search/suggest/"])
def test_a_hostile_query_answers_400_or_results_quickly(corpus, web_key, path, q):
    started = time.perf_counter()
    response = Client(raise_request_exception=False).get(
        f"{path}?{urlencode({'q': q})}", HTTP_AUTHORIZATION=f"Bearer {web_key}"
    )
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 400), response.content
    assert elapsed < 2.0, elapsed
    if response.status_code == 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["parameter"] == "q"
    else:
        assert isinstance(response.json()["items"], list)


def test_only_stop_words_and_punctuation_find_nothing_rather_than_everything(corpus, web_key, api_get):
    for q in ("!!! ??? ...", "a:b", "-"):
        response = api_get(f"/api/v2/search/?{urlencode({'q': q})}", web_key)
        assert response.status_code == 400 or response.json()["meta"]["total_count"] < 2, q


CLOSED_PORT_BACKEND = {
    "default": {
        "BACKEND": "wagtail.search.backends.elasticsearch9",
        "URLS": ["http://127.0.0.1:9"],  # discard: nothing listens
        "INDEX_PREFIX": "tailor_test_closed_",
        "TIMEOUT": 1,
        "OPTIONS": {"max_retries": 0},
        "INDEX_SETTINGS": {},
    }
}


@pytest.mark.parametrize("path", ["/api/v2/search/?q=compost", "/api/v2/search/suggest/?q=comp"])
def test_an_unreachable_backend_answers_503_with_retry_after(corpus, web_key, settings, path):
    settings.WAGTAILSEARCH_BACKENDS = CLOSED_PORT_BACKEND
    settings.SEARCH_RETRY_AFTER_SECONDS = 17
    started = time.perf_counter()
    response = Client(raise_request_exception=False).get(path, HTTP_AUTHORIZATION=f"Bearer {web_key}")
    assert time.perf_counter() - started < 5.0
    assert (response.status_code, response["Content-Type"]) == (503, "application/problem+json")
    assert response["Retry-After"] == "17"
    assert "unavailable" in response.json()["detail"]
    # Not cached: once the backend is back, the same request is answered.
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    again = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {web_key}")
    assert again.status_code == 200 and again.json()["items"]


def test_a_backend_error_mid_query_is_a_503_too(corpus, web_key, monkeypatch):
    """Any client error the backend raises while the query runs (here a timeout), not only at connect."""
    from search.ranking import RankedResults

    def timed_out(self, *args, **kwargs):
        raise TimeoutError("read timed out")

    # Where every backend's results are first read (the total), whichever backend runs.
    monkeypatch.setattr(RankedResults, "count", timed_out)
    response = Client(raise_request_exception=False).get("/api/v2/search/?q=compost", HTTP_AUTHORIZATION=f"Bearer {web_key}")
    assert (response.status_code, response["Retry-After"]) == (503, "30")
