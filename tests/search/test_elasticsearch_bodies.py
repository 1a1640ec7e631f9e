"""What Tailor sends Elasticsearch, tested as data (as Wagtail's own Elasticsearch tests do): the backend
settings, the index settings and mappings, and the query bodies for the pages a channel may see.

No cluster is needed: building a backend, a mapping or a query compiler makes no request.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction
from wagtail.search.backends import get_search_backend

from cms.models import ArticlePage, PageChannelOverride
from cms.visibility import visible_pages
from search.backends import DATABASE_BACKEND, ELASTICSEARCH_BACKEND, language_analyzer, search_backends
from tests.factories import ArticlePageFactory, ChannelFactory, SectionPageFactory

URL = "http://127.0.0.1:9"  # never contacted


@pytest.fixture
def backend(settings):
    settings.WAGTAILSEARCH_BACKENDS = search_backends(elasticsearch_url=URL, index_prefix="tailor", language_code="en-gb")
    return get_search_backend()


def test_without_a_url_the_database_backend_is_used_and_wagtail_never_indexes_inline():
    assert search_backends() == {"default": {"BACKEND": DATABASE_BACKEND, "AUTO_UPDATE": False}}


def test_with_a_url_the_elasticsearch_9_backend_has_short_timeouts_and_no_client_retries():
    config = search_backends(elasticsearch_url=URL, index_prefix="hub", timeout=1.5, language_code="de")["default"]

    assert config == {
        "BACKEND": ELASTICSEARCH_BACKEND,
        "URLS": [URL],
        "INDEX_PREFIX": "hub_",
        "TIMEOUT": 1.5,
        "OPTIONS": {"max_retries": 0, "retry_on_timeout": False},
        "INDEX_SETTINGS": {"settings": {"analysis": {"analyzer": {"default": {"type": "german"}}}}},
        "AUTO_UPDATE": False,
    }


@pytest.mark.parametrize(
    "code, analyzer",
    [("en-gb", "english"), ("en", "english"), ("fr", "french"), ("pt-br", "portuguese"), ("nb", "norwegian"),
     ("zh-hans", "standard"), ("", "standard")],
)
def test_the_analyzer_follows_the_language(code, analyzer):
    assert language_analyzer(code) == analyzer


def test_index_settings_keep_wagtails_autocomplete_analyzers_and_add_the_language_default(backend):
    analyzers = backend.settings["settings"]["analysis"]["analyzer"]

    assert analyzers["default"] == {"type": "english"}
    assert set(analyzers) == {"default", "ngram_analyzer", "edgengram_analyzer"}
    assert backend.get_index_for_model(ArticlePage).name == "tailor_wagtailcore_page"
    assert backend.es._request_timeout == 2.0 and backend.es._max_retries == 0


def test_the_article_mapping_holds_what_search_finds_and_filters_on(backend):
    properties = backend.mapping_class(ArticlePage).get_mapping()["properties"]

    text = {"type": "text", "copy_to": "_all_text"}
    assert properties["title"] == {"type": "text", "copy_to": ["_all_text", "_all_text_boost_2_0"]}
    assert properties["cms_articlepage__summary"] == text
    assert properties["cms_articlepage__body"] == text
    assert properties["channel_overrides"] == {"type": "nested", "properties": {"title": text, "summary": text}}
    assert properties["cms_articlepage__tags"] == {"type": "nested", "properties": {"name": text}}
    assert properties["cms_articlepage__authors"] == {"type": "nested", "properties": {"name": text}}
    assert properties["cms_basepage__offered_channel_ids_filter"] == {"type": "integer"}
    assert properties["content_type_id_filter"] == {"type": "integer"}
    assert properties["locale_id_filter"] == {"type": "integer"}
    assert properties["first_published_at_filter"] == {"type": "date"}
    assert properties["last_published_at_filter"] == {"type": "date"}
    assert properties["path_filter"] == {"type": "keyword"}


@pytest.mark.django_db
def test_the_document_of_a_page_carries_its_channels_overrides_and_authors(backend, home):
    web, kiosk = ChannelFactory(slug="web"), ChannelFactory(slug="kiosk")
    page = ArticlePageFactory(parent=home, title="Harbour", summary="Boats")
    PageChannelOverride.objects.create(page=page, channel=kiosk, offered=False, title="Kiosk harbour")
    page.tags.add("sailing")
    page.save_revision().publish()

    document = backend.mapping_class(ArticlePage).get_document(ArticlePage.objects.get(pk=page.pk))

    assert document["cms_basepage__offered_channel_ids_filter"] == [web.pk]
    assert document["channel_overrides"] == [{"title": "Kiosk harbour", "summary": ""}]
    assert document["cms_articlepage__tags"] == [{"name": "sailing"}]
    # The abstract BasePage counts as an ancestor (it is Indexed): its search fields are shared.
    assert document["_django_content_type"] == ["cms.ArticlePage", "cms.BasePage", "wagtailcore.Page"]


@pytest.mark.django_db
def test_the_query_for_a_channels_visible_pages_filters_what_it_may_not_see(backend, home):
    web = ChannelFactory(slug="web")
    expired = ArticlePageFactory(parent=home, title="Expired")
    Page.objects.filter(pk=expired.pk).update(expire_at=timezone.now() - timedelta(minutes=1))
    hidden = ArticlePageFactory(parent=home, title="Hidden on the web")
    PageChannelOverride.objects.create(page=hidden, channel=web, offered=False)
    private = SectionPageFactory(parent=home, title="Members")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    since = datetime(2026, 1, 1, tzinfo=dt_timezone.utc)
    queryset = visible_pages(channel_id=web.pk, root=home).filter(
        locale_id=home.locale_id, first_published_at__gte=since
    )

    query = backend.query_compiler_class(queryset, "spring offers").get_query()

    assert query == {
        "bool": {
            "must": {"multi_match": {"query": "spring offers", "fields": ["_all_text", "_all_text_boost_2_0^2.0"]}},
            "filter": [
                {"bool": {"should": [
                    {"match": {"_django_content_type": "wagtailcore.Page"}},
                    {"match": {"content_type": "wagtailcore.Page"}},
                ]}},
                {"bool": {"must": [
                    {"term": {"live_filter": True}},
                    {"bool": {"must_not": {"terms": {"id_filter": [expired.pk]}}}},
                    {"bool": {"must_not": {"terms": {"id_filter": [hidden.pk]}}}},
                    {"bool": {"must_not": {"prefix": {"path_filter": private.path}}}},
                    {"prefix": {"path_filter": home.path}},
                    # filter(**kwargs) applies its conditions in the keywords' sorted order
                    {"range": {"first_published_at_filter": {"gte": since}}},
                    {"term": {"locale_id_filter": home.locale_id}},
                ]}},
            ],
        }
    }


@pytest.mark.django_db
def test_the_title_completion_query_searches_the_edge_ngrams_of_live_pages(backend):
    query = backend.autocomplete_query_compiler_class(Page.objects.live(), "spr").get_query()

    assert query == {
        "bool": {
            "must": {"match": {"_edgengrams": {"query": "spr"}}},
            "filter": [
                {"bool": {"should": [
                    {"match": {"_django_content_type": "wagtailcore.Page"}},
                    {"match": {"content_type": "wagtailcore.Page"}},
                ]}},
                {"term": {"live_filter": True}},
            ],
        }
    }
