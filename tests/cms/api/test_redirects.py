"""`/api/v2/redirects/`: Wagtail's redirects for build-time frontends, scoped like every other endpoint."""

import pytest
from django.test import Client
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import PageViewRestriction, Site

from cms.api.keys import api_key_create
from cms.models import PageChannelOverride
from tests.factories import ArticlePageFactory, SectionPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(channels):
    return {slug: api_key_create(channel=c, name=slug, scopes=["delivery"])[1] for slug, c in channels.items()}


@pytest.fixture
def redirects(home, channels, content_changed):
    public = ArticlePageFactory(parent=home, title="Public", slug="public")
    mobile_only = ArticlePageFactory(parent=home, title="Mobile only", slug="mobile-only")
    PageChannelOverride.objects.create(page=mobile_only, channel=channels["web"], offered=False)
    private = ArticlePageFactory(parent=home, title="Private", slug="private")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    draft = ArticlePageFactory(parent=home, title="Draft", slug="draft", live=False)
    other_root = SectionPageFactory(title="Elsewhere")
    other_site = Site.objects.create(hostname="127.0.0.1", port=80, root_page=other_root)
    site = Site.objects.get(is_default_site=True)
    made = {
        "to_page": Redirect.objects.create(old_path="/old-public", redirect_page=public, site=site),
        "external": Redirect.objects.create(old_path="/gone", redirect_link="https://example.com/new", is_permanent=False),
        "to_mobile_only": Redirect.objects.create(old_path="/old-app", redirect_page=mobile_only),
        "to_private": Redirect.objects.create(old_path="/old-private", redirect_page=private),
        "to_draft": Redirect.objects.create(old_path="/old-draft", redirect_page=draft),
        "other_site": Redirect.objects.create(old_path="/elsewhere", redirect_link="https://example.org/", site=other_site),
    }
    content_changed()
    return made


def get(path, key, **headers):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {key}", **headers)


def test_the_listing_gives_what_a_frontend_builds_its_redirects_from(redirects, keys):
    response = get("/api/v2/redirects/", keys["web"])
    assert response.status_code == 200, response.content
    items = {item["old_path"]: item for item in response.json()["items"]}
    assert set(items) == {"/old-public", "/gone"}
    to_page = items["/old-public"]
    assert to_page["location"].endswith("/public/")  # Wagtail's `link`: absolute when there are several sites
    assert to_page["is_permanent"] is True
    assert to_page["redirect_page"]["id"] == redirects["to_page"].redirect_page_id
    assert to_page["site"]["hostname"] == "localhost"
    external = items["/gone"]
    assert external == external | {"location": "https://example.com/new", "is_permanent": False, "redirect_page": None, "site": None}
    assert response.json()["meta"]["total_count"] == 2
    assert "ETag" in response and "Authorization" in response["Vary"]


def test_a_redirect_to_a_page_the_channel_may_not_see_is_not_revealed(redirects, keys):
    web = get("/api/v2/redirects/?limit=100", keys["web"]).content.decode()
    for hidden in ("/old-app", "/old-private", "/old-draft", "mobile-only", "private", "draft", "/elsewhere"):
        assert hidden not in web
    mobile_paths = {item["old_path"] for item in get("/api/v2/redirects/", keys["mobile"]).json()["items"]}
    assert "/old-app" in mobile_paths and "/old-private" not in mobile_paths
    assert get(f"/api/v2/redirects/{redirects['to_mobile_only'].pk}/", keys["web"]).status_code == 404
    assert get(f"/api/v2/redirects/{redirects['other_site'].pk}/", keys["web"]).status_code == 404
    assert get("/api/v2/redirects/find/?html_path=/old-app", keys["web"]).status_code == 404


def test_each_site_gets_its_own_redirects(redirects, keys):
    paths = {item["old_path"] for item in get("/api/v2/redirects/", keys["web"], HTTP_HOST="127.0.0.1").json()["items"]}
    assert paths == {"/elsewhere", "/gone"}


def test_detail_and_find(redirects, keys):
    detail = get(f"/api/v2/redirects/{redirects['to_page'].pk}/", keys["web"])
    assert detail.status_code == 200 and detail.json()["location"].endswith("/public/")
    found = get("/api/v2/redirects/find/?html_path=/old-public", keys["web"])
    assert found.status_code == 302 and found["Location"].startswith(f"/api/v2/redirects/{redirects['to_page'].pk}/")


@pytest.mark.parametrize(
    "query", ["limit=x", "search=gone", "nonsense=1", "site=abc", "order=nope", "fields=nope"]
)
def test_bad_parameters_are_problem_details(redirects, keys, query):
    response = get(f"/api/v2/redirects/?{query}", keys["web"])
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"


def test_the_listing_is_cached_and_a_change_to_a_redirect_refreshes_it(
    redirects, keys, django_capture_on_commit_callbacks, django_assert_num_queries
):
    get("/api/v2/redirects/", keys["web"])
    with django_assert_num_queries(0):
        assert get("/api/v2/redirects/", keys["web"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        Redirect.objects.create(old_path="/brand-new", redirect_link="https://example.com/b")
    assert "/brand-new" in get("/api/v2/redirects/", keys["web"]).content.decode()


def test_redirects_need_a_delivery_key(redirects, channels):
    _, events_only = api_key_create(channel=channels["web"], name="events", scopes=["events"])
    assert get("/api/v2/redirects/", events_only).status_code == 403
    assert Client().get("/api/v2/redirects/").status_code == 401


def test_the_schema_describes_redirects():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v2/redirects/" in schema["paths"]
    item = schema["components"]["schemas"]["RedirectListingItem"]["properties"]
    assert {"old_path", "location", "is_permanent", "redirect_page", "site"} <= set(item)
