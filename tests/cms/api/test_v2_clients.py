"""What real Wagtail v2 clients and HTTP caches rely on: shared listings, weak ETags, Vary, locales."""

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from personalization.models import Segment
from tests.factories import ArticlePageFactory, ChannelFactory, LandingPageFactory
from tests.factories.personalised import personalised_block

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_key(home):
    return api_key_create(channel=ChannelFactory(slug="web"), name="web", scopes=["delivery"])[1]


@pytest.fixture
def personalised(home, django_capture_on_commit_callbacks):
    """A landing page whose body speaks German to visitors from Germany, beside a plain article."""
    with django_capture_on_commit_callbacks(execute=True):
        segment = Segment.objects.create(
            key="germany", name="Germany", priority=10,
            definition={"attribute": "country", "operator": "equals", "value": "DE"},
        )
        segment.save_revision().publish()
        landing = LandingPageFactory(parent=home, title="Offer", slug="offer", body=[
            personalised_block("hero", "Hello", [([segment], [], "Hallo")]),
        ])
        ArticlePageFactory(parent=home, title="Plain", slug="plain")
    return landing


def get(path, key, **headers):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {key}", **headers)


def _varies_on(response) -> set[str]:
    return {header.strip() for header in response.get("Vary", "").split(",") if header.strip()}


# --- listings are personalised only by the fields they return --------------------------------

@pytest.mark.parametrize("query", ["", "?type=cms.LandingPage", "?type=cms.LandingPage&fields=title,summary"])
def test_a_listing_without_personalised_fields_is_one_shared_body(personalised, web_key, query):
    german = get(f"/api/v2/pages/{query}", web_key, HTTP_X_COUNTRY="DE")
    other = get(f"/api/v2/pages/{query}", web_key, HTTP_X_COUNTRY="FR")
    assert german.status_code == other.status_code == 200
    assert german.content == other.content and german["ETag"] == other["ETag"]
    assert "private" not in german["Cache-Control"]
    assert "Tailor-Segments-Digest" not in german
    assert not _varies_on(german) & {"X-Country", "X-Visitor-Id"}
    assert german.json()["meta"]["personalization"]["referenced_segments"] == []


@pytest.mark.parametrize("query", ["?type=cms.LandingPage&fields=body", "?type=cms.LandingPage&fields=*"])
def test_a_listing_returning_a_personalised_body_splits_per_segment(personalised, web_key, query):
    german = get(f"/api/v2/pages/{query}", web_key, HTTP_X_COUNTRY="DE")
    other = get(f"/api/v2/pages/{query}", web_key, HTTP_X_COUNTRY="FR")
    assert "Hallo" in german.content.decode() and "Hallo" not in other.content.decode()
    assert german["Cache-Control"].startswith("private")
    assert german["Tailor-Segments-Digest"] != other["Tailor-Segments-Digest"]
    assert "X-Country" in _varies_on(german)


# --- conditional requests and Vary --------------------------------------------------------------

def test_if_none_match_uses_weak_comparison(personalised, web_key):
    path = f"/api/v2/pages/{personalised.pk}/"
    etag = get(path, web_key)["ETag"]
    assert get(path, web_key, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert get(path, web_key, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert get(path, web_key, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200
    assert get(path, web_key, HTTP_IF_NONE_MATCH="*").status_code == 304
    assert get(path, web_key, HTTP_IF_NONE_MATCH=etag.strip('"')).status_code == 200  # unquoted: no tag
    # Only If-None-Match is answered: If-Match and If-Unmodified-Since change nothing (no 412).
    assert get(path, web_key, HTTP_IF_MATCH='"other"').status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v2/pages/999999/", "/api/v2/pages/find/?html_path=/offer/", "/api/v2/pages/?limit=nope"]
)
def test_errors_and_redirects_vary_on_the_key_and_origin(personalised, web_key, path):
    response = get(path, web_key)
    assert response.status_code in (302, 400, 404)
    assert {"Authorization", "Origin"} <= _varies_on(response)


# --- locales as clients send them ----------------------------------------------------------------

@pytest.fixture
def locales(personalised):
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code="en-au")  # sorts before the site's en-gb
    Locale.objects.get_or_create(language_code="fr-fr")
    return Locale.objects.get(pk=personalised.locale_id)


def _titles(response) -> list[str]:
    return sorted(item["title"] for item in response.json()["items"])


def test_a_language_without_region_selects_the_sites_locale_of_that_language(locales, web_key):
    assert locales.language_code == "en-gb"
    exact = get("/api/v2/pages/?locale=en-gb", web_key)
    assert exact.status_code == 200 and "Offer" in _titles(exact)
    for code in ("en", "EN"):
        language_only = get(f"/api/v2/pages/?locale={code}&search=offer", web_key)
        assert language_only.status_code == 200, language_only.content
        assert _titles(language_only) == ["Offer"]
    assert get("/api/v2/pages/?locale=en-au", web_key).json()["items"] == []  # exact codes stay exact
    assert get("/api/v2/pages/?locale=fr", web_key).json()["items"] == []


@pytest.mark.parametrize("code", ["de", "xx-yy", "e", "en-"])
def test_an_unknown_locale_is_still_wagtails_404(locales, web_key, code):
    response = get(f"/api/v2/pages/?locale={code}", web_key)
    assert response.status_code == 404
    assert response.json()["message"] == "No Locale matches the given query."


def test_the_schema_documents_language_only_locales(web_key):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    assert "a language alone (`en`)" in text


# --- search freshness ----------------------------------------------------------------------------

def test_a_search_cached_before_the_index_update_is_retired_by_it(
    personalised, web_key, content_changed, django_capture_on_commit_callbacks
):
    from cms.models import OutboxJob
    from cms.outbox import outbox_relay

    ArticlePageFactory(parent=personalised.get_parent(), title="Zebra crossings", slug="zebra")
    content_changed()  # the publish's own bump: the index update is still waiting in the outbox
    assert OutboxJob.objects.filter(handler="search.indexing.index_object_job", done_at=None).exists()
    assert get("/api/v2/pages/?search=zebra", web_key).json()["items"] == []  # cached with the old index

    with django_capture_on_commit_callbacks(execute=True):
        outbox_relay()

    assert _titles(get("/api/v2/pages/?search=zebra", web_key)) == ["Zebra crossings"]
