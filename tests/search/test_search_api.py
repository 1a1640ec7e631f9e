"""The search and suggest endpoints on the database backend: relevance, filters, pagination,
channel overrides, snippets, parameters and caching (both SQLite and PostgreSQL)."""

from urllib.parse import urlencode

import pytest
from wagtail.models import Locale

from cms.models import PageChannelOverride
from tests.factories import ArticlePageFactory, LandingPageFactory

pytestmark = pytest.mark.django_db


def para(text: str) -> list[dict]:
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}]


@pytest.fixture
def corpus(home, web_channel, mobile_channel, indexed):
    """Pages about gardening among fillers, so that word frequencies mean something to the ranking."""
    with indexed():
        pages = {
            f"filler{i}": ArticlePageFactory(
                parent=home, title=f"Weather report {i}", summary="Rain and sun",
                body=para("Rain over the valley, sun on the hills, wind by the sea. " * 3),
            )
            for i in range(6)
        }
        pages["title"] = ArticlePageFactory(
            parent=home, title="Compost guide", summary="For your garden",
            body=para("How to start a heap in the yard, with leaves and kitchen scraps."),
        )
        pages["body"] = ArticlePageFactory(
            parent=home, title="Autumn chores", summary="Seasonal jobs",
            body=para("Rake the leaves, then turn the compost before the winter comes. " * 2),
        )
        pages["landing"] = LandingPageFactory(parent=home, title="Compost day", summary="Join us")
        for i in range(5):
            pages[f"tulip{i}"] = ArticlePageFactory(parent=home, title=f"Tulip variety {i}", summary="Bulbs")
        pages["escaped"] = ArticlePageFactory(
            parent=home, title="Markup notes", summary="",
            body=para("Never type &lt;script&gt;alert(1)&lt;/script&gt; next to the word marigold in a post."),
        )
    return pages


def search(api_get, key, **params):
    return api_get("/api/v2/search/?" + urlencode(params), key)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def test_a_title_match_outranks_a_body_match(corpus, web_key, api_get):
    response = search(api_get, web_key, q="compost", type="cms.ArticlePage")
    assert titles(response) == ["Compost guide", "Autumn chores"]
    first, second = response.json()["items"]
    assert first["score"] > second["score"]


def test_a_result_has_the_channels_title_and_summary_a_snippet_a_path_and_a_score(
    corpus, web_channel, web_key, mobile_key, api_get, content_changed,
):
    page = corpus["title"]
    PageChannelOverride.objects.create(page=page, channel=web_channel, title="Web compost", summary="Web summary")
    content_changed()
    item = search(api_get, web_key, q="heap").json()["items"][0]
    assert item == {
        "id": page.pk, "type": "cms.ArticlePage", "title": "Web compost", "path": "/compost-guide/",
        "detail_url": f"/api/v2/pages/{page.pk}/", "summary": "Web summary",
        "snippet": "How to start a <mark>heap</mark> in the yard, with leaves and kitchen scraps.",
        "score": item["score"],
    }
    assert isinstance(item["score"], float)
    # Another channel sees the page's own title.
    assert titles(search(api_get, mobile_key, q="heap")) == ["Compost guide"]


def test_a_snippet_escapes_the_text_and_marks_only_the_matches(corpus, web_key, api_get):
    snippet = search(api_get, web_key, q="marigold").json()["items"][0]["snippet"]
    assert "<script>" not in snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet
    assert "<mark>marigold</mark>" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_type_filters_the_results(corpus, web_key, api_get):
    assert titles(search(api_get, web_key, q="compost", type="cms.LandingPage")) == ["Compost day"]
    assert set(titles(search(api_get, web_key, q="compost"))) == {"Compost guide", "Autumn chores", "Compost day"}


def test_locale_filters_the_results(corpus, home, web_key, api_get, indexed):
    french = Locale.objects.create(language_code="fr")
    with indexed():
        ArticlePageFactory(parent=home, title="Compost en français", locale=french)
    assert titles(search(api_get, web_key, q="compost", locale="fr")) == ["Compost en français"]
    english = titles(search(api_get, web_key, q="compost", locale=home.locale.language_code))
    assert "Compost en français" not in english and "Compost guide" in english
    missing = search(api_get, web_key, q="compost", locale="de")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"


def test_pages_of_results_are_disjoint_and_cover_the_total(corpus, web_key, api_get):
    seen = []
    for offset in (0, 2, 4):
        response = search(api_get, web_key, q="tulip", limit=2, offset=offset)
        assert response.json()["meta"]["total_count"] == 5
        seen += titles(response)
    assert sorted(seen) == [f"Tulip variety {i}" for i in range(5)]
    assert titles(search(api_get, web_key, q="tulip", offset=5)) == []


def test_several_words_must_all_match_and_a_quoted_phrase_keeps_its_order(corpus, web_key, api_get):
    assert titles(search(api_get, web_key, q="compost winter")) == ["Autumn chores"]
    assert titles(search(api_get, web_key, q="compost yard")) == ["Compost guide"]  # one in the title, one in the body
    assert titles(search(api_get, web_key, q='"kitchen scraps"')) == ["Compost guide"]
    assert titles(search(api_get, web_key, q='"scraps kitchen"')) == []


def test_suggest_completes_title_words_with_the_channels_titles(
    corpus, web_channel, web_key, api_get, content_changed,
):
    PageChannelOverride.objects.create(page=corpus["title"], channel=web_channel, title="Web compost")
    content_changed()
    response = api_get("/api/v2/search/suggest/?q=comp", web_key)
    assert response.status_code == 200
    suggestions = response.json()["items"]
    assert {item["title"] for item in suggestions} == {"Web compost", "Compost day"}
    assert {item["id"] for item in suggestions} == {corpus["title"].pk, corpus["landing"].pk}
    assert len(api_get("/api/v2/search/suggest/?q=tul&limit=3", web_key).json()["items"]) == 3


def test_suggest_reads_the_words_of_a_query_with_quotes_and_control_characters(corpus, web_key, api_get):
    # Schemathesis found this one: SQLite's full-text syntax refuses the quote, yet the query is valid.
    response = api_get("/api/v2/search/suggest/?" + urlencode({"q": '"comp\x18'}), web_key)
    assert response.status_code == 200, response.content
    assert {item["title"] for item in response.json()["items"]} == {"Compost day", corpus["title"].title}


BAD_PARAMETERS = [
    ({}, "q"),
    ({"q": ""}, "q"),
    ({"q": "   "}, "q"),
    ({"q": "x" * 201}, "q"),
    ({"q": "a", "limit": "0"}, "limit"),
    ({"q": "a", "limit": "101"}, "limit"),
    ({"q": "a", "limit": "ten"}, "limit"),
    ({"q": "a", "limit": "+5"}, "limit"),
    ({"q": "a", "offset": "-1"}, "offset"),
    ({"q": "a", "offset": "10001"}, "offset"),
    ({"q": "a", "type": "cms.Nope"}, "type"),
    ({"q": "a", "type": "wagtailcore.Page"}, "type"),
    ({"q": "a", "search": "x"}, "search"),
    ({"q": "a\x00"}, "q"),
]


@pytest.mark.parametrize(("params", "parameter"), BAD_PARAMETERS)
def test_bad_parameters_are_400_problems_naming_the_parameter(corpus, web_key, api_get, params, parameter):
    response = search(api_get, web_key, **params)
    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    assert response.json()["parameter"] == parameter


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 101}, {"q": "a", "limit": "21"}, {"q": "a", "type": "x"}])
def test_bad_suggest_parameters_are_400_problems(corpus, web_key, api_get, params):
    response = api_get("/api/v2/search/suggest/?" + urlencode(params), web_key)
    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")


def test_search_needs_a_delivery_key(corpus, api_get, all_keys):
    assert api_get("/api/v2/search/?q=compost").status_code == 401
    assert api_get("/api/v2/search/?q=compost", all_keys["events"]).status_code == 403
    assert api_get("/api/v2/search/suggest/?q=comp", all_keys["revoked"]).status_code == 401


def test_answers_revalidate_with_their_etag_and_carry_the_channels_cache_control(corpus, web_key, api_get):
    for path in ("/api/v2/search/?q=compost", "/api/v2/search/suggest/?q=comp"):
        first = api_get(path, web_key)
        assert first.status_code == 200 and first["ETag"] and first["Cache-Control"]
        assert "Tailor-Segments-Digest" not in first  # nothing promoted per segment: one body for everyone
        again = api_get(path, web_key, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_a_publish_retires_cached_answers(corpus, home, web_key, api_get, indexed):
    assert titles(search(api_get, web_key, q="snowdrop")) == []
    with indexed():
        ArticlePageFactory(parent=home, title="Snowdrop season")
    assert titles(search(api_get, web_key, q="snowdrop")) == ["Snowdrop season"]
    with indexed():
        corpus["title"].unpublish()
    assert "Compost guide" not in titles(search(api_get, web_key, q="compost"))
