"""Canaries through search and suggest: drafts, unpublished, expired, scheduled, private (and its
descendant), not offered on web, draft and scheduled revisions, and another channel's override.

The corpus is the delivery leak tests' (tests/cms/api/test_leaks.py), indexed as publishing
indexes it (the outbox's jobs run at the seeding's commit), and every page canary put into
the index besides. Every key searches for every marker, and for words every canary shares;
no response may contain a marker the key may not
see (raw bytes, case-insensitive). Positive controls keep the probes honest: the public
control is found, and the mobile key finds the page web is not offered and its own override.
"""

import json
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import TestCase
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend

from tests.cms.api.conftest import channel_get_or_create
from tests.cms.api.test_leaks import ALL_CANARIES, ALLOWED, CONTROL, PAGE_CANARIES, marker, seed
from tests.factories import HomePageFactory

pytestmark = pytest.mark.django_db

KEYS = ("web", "mobile")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The delivery leak tests' canaries, indexed, for the module; rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            home = HomePageFactory(title="Home", slug="test-home")
            Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
            seeded = seed(home, channel_get_or_create("web"), channel_get_or_create("mobile"))
        # Indexing leaves drafts and private pages out; a stale index or a failed removal would
        # not. Every page canary goes into the index here, so that only the visibility filter
        # stands between them and an answer.
        backend = get_search_backend()
        for page in seeded.pages.values():
            backend.add(page.specific)
        yield seeded
        transaction.set_rollback(True)


@pytest.fixture
def keys(seeded, web_key, mobile_key, no_rate_limit):
    return {"web": web_key, "mobile": mobile_key}


def forbidden_markers(key_name: str) -> list[str]:
    return [marker(name).lower() for name in ALL_CANARIES if name not in ALLOWED.get(key_name, set())]


def probes() -> list[str]:
    """Search and suggest requests: every marker, and words or prefixes every canary has."""
    paths = []
    for q in [*(marker(name) for name in ALL_CANARIES), "canary", "summary", "body", "seo", "zqx", "live text", "web", "mobile"]:
        paths.append("/api/v2/search/?" + urlencode({"q": q, "limit": 100}))
        paths.append("/api/v2/search/suggest/?" + urlencode({"q": q, "limit": 20}))
    paths += ["/api/v2/search/?" + urlencode({"q": "canary", "type": "cms.ArticlePage", "limit": 100})]
    return paths


@pytest.mark.parametrize("key_name", KEYS)
def test_no_search_answer_contains_a_canary_the_key_may_not_see(keys, api_get, key_name):
    forbidden = forbidden_markers(key_name)
    checked = 0
    for path in probes():
        response = api_get(path, keys[key_name])
        assert response.status_code == 200, (path, response.content)
        body = response.json()
        del body["meta"]["query"]  # the request's own words, echoed
        raw = json.dumps(body).lower().encode() + str(response.headers).lower().encode()
        leaked = [name for name in forbidden if name.encode() in raw]
        assert not leaked, (key_name, path, leaked)
        checked += 1
    assert checked == len(probes())


def test_positive_controls(keys, api_get):
    """The probes can find things: the public control, and what only the mobile key may see."""
    for key in keys.values():
        found = api_get("/api/v2/search/?" + urlencode({"q": CONTROL}), key).json()
        assert found["meta"]["total_count"] >= 3
    mobile = api_get("/api/v2/search/?" + urlencode({"q": marker("notonweb")}), keys["mobile"]).json()
    assert [item["title"] for item in mobile["items"]] == [f"Canary {marker('notonweb')}"]
    mobile_titles = api_get("/api/v2/search/?" + urlencode({"q": CONTROL}), keys["mobile"]).content.lower()
    assert marker("mobileonly").encode() in mobile_titles  # the mobile override's title
    suggested = api_get("/api/v2/search/suggest/?" + urlencode({"q": "canary"}), keys["mobile"]).json()["items"]
    assert [item["title"] for item in suggested] == [f"Canary {marker('notonweb')}"]


def test_every_page_canary_is_in_the_index(seeded):
    """Without this, a canary missing from the index would pass the leak test for nothing."""
    backend = get_search_backend()
    for name in PAGE_CANARIES:
        found = list(backend.search(marker(name), Page.objects.all()))
        assert [page.pk for page in found] == [seeded.pages[name].pk], name
