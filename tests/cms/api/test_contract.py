"""The delivery API's contract: Wagtail v2 shapes, channel shaping, caching, limits, preview."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.signing import TimestampSigner
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Site
from wagtail.rich_text import RichText

from cms.api import keys as api_keys
from cms.api.keys import api_key_create
from cms.api.views import _nesting_depth
from cms.models import ApiKey, CallToAction, PageChannelOverride
from personalization.request_context import BROWSER_CONTROLLED_HEADERS, CONTEXT_HEADERS
from tests.factories import (
    ArticlePageFactory,
    ChannelFactory,
    ImageFactory,
    LandingPageFactory,
    SectionPageFactory,
    SegmentFactory,
)
from tests.factories.personalised import personalised_block

pytestmark = pytest.mark.django_db

LISTING_META = {"type", "detail_url", "html_url", "slug", "first_published_at"}
DETAIL_META = LISTING_META | {"show_in_menus", "seo_title", "search_description", "alias_of", "parent", "personalization"}


@pytest.fixture
def site(home):
    web = ChannelFactory(slug="web", presets=[("hero", "width-40|format-webp")], allowed_origins="https://shop.example")
    mobile = ChannelFactory(slug="mobile", presets=[("hero", "width-20|format-jpeg"), ("card", "fill-10x10")])
    section = SectionPageFactory(parent=home, title="Guides")
    draft = ArticlePageFactory(parent=section, title="Unfinished", live=False)
    article = ArticlePageFactory(
        parent=section,
        title="Journeys across channels",
        hero_image=ImageFactory(
            title="Journey hero", focal_point_x=20, focal_point_y=10, focal_point_width=8, focal_point_height=6
        ),
        body=[("paragraph", RichText(f'<p>See <a linktype="page" id="{section.pk}">guides</a> and '
                                     f'<a linktype="page" id="{draft.pk}">soon</a>.</p>'))],
    )
    kiosk_only = ArticlePageFactory(parent=section, title="Web hidden")
    PageChannelOverride.objects.create(page=kiosk_only, channel=web, offered=False)
    PageChannelOverride.objects.create(page=article, channel=mobile, title="Journeys", hero_image=ImageFactory(title="Small"))
    return {"web": web, "mobile": mobile, "section": section, "article": article, "hidden": kiosk_only, "draft": draft}


@pytest.fixture
def keys(site):
    def make(channel, *scopes):
        return api_key_create(channel=site[channel], name=f"{channel} {scopes}", scopes=list(scopes))[1]

    return {"web": make("web", "delivery"), "mobile": make("mobile", "delivery"), "preview": make("web", "delivery", "preview")}


def get(path, key, **headers):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {key}", **headers)


def test_listing_and_detail_keep_wagtail_shapes(site, keys):
    listing = get("/api/v2/pages/?type=cms.ArticlePage", keys["web"]).json()
    assert listing["meta"]["total_count"] == 1
    assert set(listing["items"][0]["meta"]) == LISTING_META
    detail = get(f"/api/v2/pages/{site['article'].pk}/", keys["web"]).json()
    assert set(detail["meta"]) == DETAIL_META
    assert detail["meta"]["parent"]["id"] == site["section"].pk


def test_channel_override_changes_title_and_hero_only_on_its_channel(site, keys):
    path = f"/api/v2/pages/{site['article'].pk}/"
    web, mobile = get(path, keys["web"]).json(), get(path, keys["mobile"]).json()
    assert web["title"] == "Journeys across channels"
    assert mobile["title"] == "Journeys"
    assert web["hero_image"]["title"] == "Journey hero"
    assert mobile["hero_image"]["title"] == "Small"
    assert set(web["hero_image"]["renditions"]) == {"hero"}
    assert web["hero_image"]["renditions"]["hero"]["width"] == 40
    assert web["hero_image"]["renditions"]["hero"]["height"] == 30  # 64 x 48 scaled to 40 wide
    assert web["hero_image"]["focal_point"] == {"x": 20, "y": 10, "width": 8, "height": 6}
    assert mobile["hero_image"]["focal_point"] is None
    assert web["hero_image"]["renditions"]["hero"]["url"].endswith(".webp")
    assert set(mobile["hero_image"]["renditions"]) == {"hero", "card"}
    assert mobile["hero_image"]["alt"] == "Alt for Small"


def test_page_not_offered_on_a_channel_is_absent_there_only(site, keys):
    hidden = site["hidden"].pk
    web_ids = [item["id"] for item in get("/api/v2/pages/?limit=100", keys["web"]).json()["items"]]
    mobile_ids = [item["id"] for item in get("/api/v2/pages/?limit=100", keys["mobile"]).json()["items"]]
    assert hidden not in web_ids and hidden in mobile_ids
    assert get(f"/api/v2/pages/{hidden}/", keys["web"]).status_code == 404
    assert get(f"/api/v2/pages/{hidden}/", keys["mobile"]).status_code == 200


def test_rich_text_links_point_at_visible_pages_and_their_api_urls(site, keys):
    body = get(f"/api/v2/pages/{site['article'].pk}/", keys["web"]).json()["body"]
    html = body[0]["value"]
    assert f'data-api-url="/api/v2/pages/{site["section"].pk}/"' in html
    assert site["draft"].slug not in html
    assert "<a>soon</a>" in html


def test_find_redirects_to_the_detail_on_the_callers_origin_keeping_parameters(site, keys):
    response = get("/api/v2/pages/find/?html_path=/guides/&fields=summary", keys["web"])
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(("/", "http://testserver/"))
    assert f"/api/v2/pages/{site['section'].pk}/" in location and "fields=summary" in location


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=101", "limit cannot be higher than 100"),
        ("limit=-1", "limit must be a positive integer"),
        ("offset=abc", "offset must be a positive integer"),
        ("offset=20000", "offset cannot be higher than 10000"),
        ("nonsense=1", "query parameter is not an operation or a recognised field: nonsense"),
        ("fields=foo", "unknown fields: foo"),
        ("type=cms.Nope", "type doesn't exist"),
        ("fields=parent(parent(parent(parent(id))))", "fields error: nesting deeper than 3 levels"),
        ("site=localhost:http", "site port must be a number from 0 to 65535"),
        ("site=localhost:99999999999999999999", "site port must be a number from 0 to 65535"),
        ("child_of=999999", "parent page doesn't exist"),
        ("descendant_of=999999", "ancestor page doesn't exist"),
        ("order=nope", "cannot order by 'nope' (unknown field)"),
        ("search=x&search_operator=xor", "search_operator must be either 'and' or 'or'"),
    ],
)
def test_bad_parameters_are_problem_details_in_wagtails_words(site, keys, query, message):
    response = get(f"/api/v2/pages/?{query}", keys["web"])
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["message"] == body["detail"] == message
    assert body["status"] == 400
    assert body["parameter"] == query.split("&")[-1].split("=")[0]  # the offending one


@pytest.mark.parametrize(
    ("fields", "depth"), [("title", 0), ("a(b),c(d),e(f),g(h)", 1), ("a(b(c)),d(e)", 2), ("a(b(c(d(e))))", 4)]
)
def test_fields_depth_is_nesting_not_the_number_of_parentheses(fields, depth):
    assert _nesting_depth(fields) == depth


def test_limit_up_to_the_cap_is_accepted(site, keys):
    assert get("/api/v2/pages/?limit=100", keys["web"]).status_code == 200


def test_etag_revalidation_and_publish_invalidation(site, keys, django_capture_on_commit_callbacks):
    path = f"/api/v2/pages/{site['article'].pk}/"
    first = get(path, keys["web"])
    etag = first["ETag"]
    assert etag.startswith('"') and "Authorization" in first["Vary"]
    assert get(path, keys["web"], HTTP_IF_NONE_MATCH=etag).status_code == 304
    article = site["article"]
    article.title = "Journeys, revised"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    second = get(path, keys["web"], HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 200
    assert second.json()["title"] == "Journeys, revised"
    listing = get("/api/v2/pages/?type=cms.ArticlePage", keys["web"]).json()
    assert listing["items"][0]["title"] == "Journeys, revised"


def test_editing_a_snippet_refreshes_every_page_that_embeds_it(site, keys, django_capture_on_commit_callbacks):
    cta = CallToAction.objects.create(title="Join", button_label="Go", link_url="https://example.com")
    landing = LandingPageFactory(parent=site["section"], title="Offer", body=[("call_to_action", cta)])
    path = f"/api/v2/pages/{landing.pk}/"
    assert get(path, keys["web"]).json()["body"][0]["value"]["button_label"] == "Go"
    with django_capture_on_commit_callbacks(execute=True):
        cta.button_label = "Join now"
        cta.save()
    assert get(path, keys["web"]).json()["body"][0]["value"]["button_label"] == "Join now"


@pytest.mark.parametrize("kind", ["detail", "listing"])
def test_a_cached_response_costs_no_database_query(site, keys, django_assert_num_queries, kind):
    path = f"/api/v2/pages/{site['article'].pk}/" if kind == "detail" else "/api/v2/pages/?limit=20"
    get(path, keys["web"])
    with django_assert_num_queries(0):
        assert get(path, keys["web"]).status_code == 200


def test_a_new_url_variant_of_a_page_is_built_from_memos_and_three_visibility_queries(
    site, keys, django_assert_num_queries
):
    path = f"/api/v2/pages/{site['article'].pk}/"
    first = get(path, keys["web"]).json()
    # Memos build the body, but what may be shown is read from the database: restrictions,
    # visible pages, private collections.
    with django_assert_num_queries(3):
        again = get(f"{path}?_=2", keys["web"])  # `_` is part of the cache key: this body is built
    assert again.json() == first


def test_editing_the_site_changes_the_next_response(site, keys, django_capture_on_commit_callbacks):
    path = f"/api/v2/pages/{site['article'].pk}/"
    assert get(path, keys["web"]).json()["meta"]["html_url"].startswith("http://localhost/")
    default = Site.objects.get(is_default_site=True)
    with django_capture_on_commit_callbacks(execute=True):
        default.port = 8443
        default.save()
    assert get(path, keys["web"]).json()["meta"]["html_url"].startswith("http://localhost:8443/")


def test_each_site_is_served_its_own_pages_when_cached(site, keys):
    other_root = SectionPageFactory(title="Elsewhere")  # a second tree beside the default site's
    ArticlePageFactory(parent=other_root, title="Only on the other site")
    Site.objects.create(hostname="127.0.0.1", port=80, root_page=other_root)

    def titles(host):
        return [item["title"] for item in get("/api/v2/pages/", keys["web"], HTTP_HOST=host).json()["items"]]

    assert "Only on the other site" not in titles("localhost")
    assert "Only on the other site" in titles("127.0.0.1")  # not the body cached for localhost


def test_rate_limit_answers_429_per_key(site, keys, settings):
    settings.API_RATE_LIMIT = 3
    statuses = [get("/api/v2/pages/", keys["web"]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = get("/api/v2/pages/", keys["web"])
    assert limited["Content-Type"] == "application/problem+json"
    assert int(limited["Retry-After"]) >= 1
    assert limited["RateLimit-Remaining"] == "0"
    assert get("/api/v2/pages/", keys["mobile"]).status_code == 200


def test_cors_allows_only_the_channels_origins(site, keys):
    ok = get("/api/v2/pages/", keys["web"], HTTP_ORIGIN="https://shop.example")
    assert ok.status_code == 200 and ok["Access-Control-Allow-Origin"] == "https://shop.example"
    other = get("/api/v2/pages/", keys["web"], HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    wrong_channel = get("/api/v2/pages/", keys["mobile"], HTTP_ORIGIN="https://shop.example")
    assert wrong_channel.status_code == 403


def test_a_browser_may_send_every_personalisation_header_cross_origin(site):
    requested = [header.lower() for header in CONTEXT_HEADERS if header not in BROWSER_CONTROLLED_HEADERS]
    preflight = Client().options(
        "/api/v2/pages/", HTTP_ORIGIN="https://shop.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=",".join(["authorization", *requested]),
    )
    allowed = {header.strip() for header in preflight["Access-Control-Allow-Headers"].split(",")}
    assert set(requested) <= allowed


def test_a_personalised_response_varies_on_the_visitor_headers(site, keys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        segment = SegmentFactory(
            key="germany", name="Germany", priority=10,
            definition={"attribute": "country", "operator": "equals", "value": "DE"},
        )
    landing = LandingPageFactory(parent=site["section"], title="Offer", body=[
        personalised_block("hero", "Hello", [([segment], [], "Hallo")]),
    ])
    plain = get(f"/api/v2/pages/{site['article'].pk}/", keys["web"])
    personalised = get(f"/api/v2/pages/{landing.pk}/", keys["web"], HTTP_X_COUNTRY="DE")
    plain_varies_on = {header.strip() for header in plain["Vary"].split(",")}
    assert "Authorization" in plain_varies_on and not plain_varies_on & set(CONTEXT_HEADERS)  # one body for all
    varies_on = {header.strip() for header in personalised["Vary"].split(",")}
    assert {"Authorization", "Origin", *CONTEXT_HEADERS} <= varies_on


def _preview_token(page, channel: str = "web") -> str:
    return page.create_page_preview(channel_slug=channel).token


def test_preview_serves_a_draft_only_with_a_preview_key_and_token(site, keys):
    article = site["article"]
    article.title = "Draft headline"
    article.save_revision()
    token = _preview_token(article.get_latest_revision_as_object())
    path = f"/api/v2/page_preview/1/?content_type=cms.articlepage&token={token}"
    preview = get(path, keys["preview"])
    assert preview.status_code == 200, preview.content
    assert preview.json()["title"] == "Draft headline"
    assert preview["Cache-Control"] == "no-store"
    assert get(path, keys["web"]).status_code == 403
    assert get(f"/api/v2/pages/{article.pk}/", keys["preview"]).json()["title"] == "Journeys across channels"
    assert get(path.replace(token, token[:-2] + "xx"), keys["preview"]).status_code == 404


def test_preview_tokens_expire(site, keys, settings):
    token = _preview_token(site["article"])
    settings.PREVIEW_TOKEN_MAX_AGE = 60
    signer = TimestampSigner(salt="headlesspreview.token")
    assert signer.unsign(token, max_age=60)
    old = timezone.now() - timedelta(minutes=5)
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=old.timestamp()):
        stale = _preview_token(site["article"])
    response = get(f"/api/v2/page_preview/1/?content_type=cms.articlepage&token={stale}", keys["preview"])
    assert response.status_code == 404
    assert "expired" in response.json()["message"]


def test_create_api_key_command_prints_only_a_working_key(site):
    out = io.StringIO()
    call_command("create_api_key", "--channel", "web", "--scopes", "delivery,events", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("tlr_") and "\n" not in key
    assert get("/api/v2/pages/", key).status_code == 200


def test_last_use_is_recorded_without_a_write_per_request(site, keys, monkeypatch):
    monkeypatch.setattr(api_keys, "_touched", {})  # per-process memo: another test may have used this key id
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert get("/api/v2/pages/", keys["web"]).status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "apikey" in q["sql"]]
    assert len(writes) == 1
    assert ApiKey.objects.get(prefix=keys["web"].split("_")[1]).last_used_at is not None
