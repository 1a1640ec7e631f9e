"""The authorisation matrix: every endpoint × every way of (not) holding a key → one status.

The rules as implemented (cms/api/auth.py, views.py, preview.py):
- a key is read from `Authorization: Bearer <key>` only; none, a malformed header, an
  unknown or revoked key, or a key in the query string is 401 with `WWW-Authenticate: Bearer`;
- the delivery endpoints need the `delivery` scope, page_preview needs `preview`; a key
  without it is 403 naming the missing scope (whatever else it carries);
- page_preview needs a valid token too: without one it is 400 (`content_type and token
  are required`); on the delivery endpoints a token opens nothing (see the note below
  the table);
- a key of another channel is authorised, and sees that channel's content: the page not
  offered on web is 404 for web keys and 200 for the mobile key.
"""

from urllib.parse import urlencode

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from cms.models import CallToAction, PageChannelOverride, Promo
from tests.factories import ArticlePageFactory, ImageFactory

# --- the table -------------------------------------------------------------------------
ENDPOINTS = (
    "pages", "page", "page_not_on_web", "find", "images", "image", "documents", "document",
    "call_to_actions", "promos", "preview",
)
# fmt: off
EXPECTED = {
    #                       pages page  !web  find  imgs  img   docs  doc   ctas  promo preview
    "no_key":              (401,  401,  401,  401,  401,  401,  401,  401,  401,  401,  401),
    "malformed":           (401,  401,  401,  401,  401,  401,  401,  401,  401,  401,  401),
    "unknown":             (401,  401,  401,  401,  401,  401,  401,  401,  401,  401,  401),
    "revoked":             (401,  401,  401,  401,  401,  401,  401,  401,  401,  401,  401),
    "query_api_key":       (401,  401,  401,  401,  401,  401,  401,  401,  401,  401,  401),
    "query_key":           (401,  401,  401,  401,  401,  401,  401,  401,  401,  401,  401),
    "events_only":         (403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  403),
    "events_with_token":   (403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  403),
    "delivery":            (200,  200,  404,  302,  200,  200,  200,  200,  200,  200,  403),
    "other_channel":       (200,  200,  200,  302,  200,  200,  200,  200,  200,  200,  403),
    "preview_no_token":    (403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  400),
    "preview_with_token":  (403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  200),
    "delivery_preview_no_token":   (200, 200, 404, 302, 200, 200, 200, 200, 200, 200, 400),
    "delivery_preview_with_token": (400,  200,  404,  302,  400,  200,  400,  200,  400,  400,  200),
}
# fmt: on
# On the delivery endpoints a preview token is only a query parameter: listings reject it as
# unknown (400) while detail and find ignore unknown parameters (Wagtail's detail/find views
# never check them), so they answer exactly as without it — the token opens no draft there.
# Which scope a 403 names, per endpoint.
SCOPE = {endpoint: "preview" if endpoint == "preview" else "delivery" for endpoint in ENDPOINTS}


@pytest.fixture
def content(home, web_channel, mobile_channel, content_changed):
    article = ArticlePageFactory(parent=home, title="Open article", slug="open-article")
    not_on_web = ArticlePageFactory(parent=home, title="App exclusive", slug="app-exclusive")
    PageChannelOverride.objects.create(page=not_on_web, channel=web_channel, offered=False)
    image = ImageFactory(title="Open image")
    document = get_document_model().objects.create(title="Open document", file=ContentFile(b"x", name="open.txt"))
    cta = CallToAction.objects.create(title="Open CTA", button_label="Go", link_url="https://example.com/")
    promo = Promo.objects.create(title="Open promo", body="<p>Hi</p>")
    draft = ArticlePageFactory(parent=home, title="Draft only", slug="draft-only", live=False)
    token = draft.create_page_preview(channel_slug=web_channel.slug).token
    content_changed()
    return {
        "pages": "/api/v2/pages/",
        "page": f"/api/v2/pages/{article.pk}/",
        "page_not_on_web": f"/api/v2/pages/{not_on_web.pk}/",
        "find": "/api/v2/pages/find/?html_path=/open-article/",
        "images": "/api/v2/images/",
        "image": f"/api/v2/images/{image.pk}/",
        "documents": "/api/v2/documents/",
        "document": f"/api/v2/documents/{document.pk}/",
        "call_to_actions": "/api/v2/snippets/call-to-actions/",
        "promos": "/api/v2/snippets/promos/",
        "preview": "/api/v2/page_preview/1/",
        "_token": urlencode({"content_type": "cms.articlepage", "token": token}),
    }


def _with_query(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


@pytest.fixture
def send(api_get, content, web_key, mobile_key, events_key, preview_only_key, delivery_preview_key, revoked_key,
         unknown_key, malformed_headers):
    """send(kind, endpoint) -> the list of responses (several for 'malformed')."""
    by_key = {
        "unknown": unknown_key, "revoked": revoked_key, "events_only": events_key, "events_with_token": events_key,
        "delivery": web_key, "other_channel": mobile_key, "preview_no_token": preview_only_key,
        "preview_with_token": preview_only_key, "delivery_preview_no_token": delivery_preview_key,
        "delivery_preview_with_token": delivery_preview_key,
    }

    def _send(kind: str, endpoint: str):
        path = content[endpoint]
        if kind.endswith("_with_token"):
            path = _with_query(path, content["_token"])
        if kind == "no_key":
            return [api_get(path)]
        if kind == "malformed":
            return [api_get(path, HTTP_AUTHORIZATION=value) for value in malformed_headers]
        if kind.startswith("query_"):
            return [api_get(_with_query(path, urlencode({kind.removeprefix("query_"): web_key})))]
        return [api_get(path, by_key[kind])]

    return _send


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_authorisation_matrix(kind, send):
    wrong = []
    for endpoint, expected in zip(ENDPOINTS, EXPECTED[kind], strict=True):
        for response in send(kind, endpoint):
            if response.status_code != expected:
                wrong.append(f"{endpoint}: {response.status_code} (expected {expected}) {response.content[:200]!r}")
                continue
            if expected >= 400:
                assert response["Content-Type"] == "application/problem+json", endpoint
                problem = response.json()
                assert problem["status"] == expected and problem["detail"] == problem["message"], endpoint
                assert {"type", "title", "status", "detail"} <= set(problem), endpoint
            if expected == 401:
                assert response["WWW-Authenticate"].startswith("Bearer"), endpoint
            if expected == 403:
                assert f"'{SCOPE[endpoint]}' scope" in response.json()["detail"], (endpoint, response.json())
            if expected == 302:
                assert response["Location"].startswith("/api/v2/pages/"), response["Location"]
    assert not wrong, f"{kind}:\n" + "\n".join(wrong)


def test_the_table_covers_every_kind_and_endpoint():
    assert all(len(row) == len(ENDPOINTS) for row in EXPECTED.values())
    assert {"no_key", "malformed", "revoked", "other_channel", "delivery", "preview_no_token",
            "preview_with_token", "events_only"} <= set(EXPECTED)


def test_other_channel_sees_its_own_channel(send, content):
    """200 for both channels' keys, but each gets its channel's page set."""
    web_ids = {item["id"] for item in send("delivery", "pages")[0].json()["items"]}
    mobile_ids = {item["id"] for item in send("other_channel", "pages")[0].json()["items"]}
    not_on_web = int(content["page_not_on_web"].rstrip("/").rsplit("/", 1)[1])
    assert not_on_web in mobile_ids and not_on_web not in web_ids
    assert web_ids == mobile_ids - {not_on_web}


def test_preview_key_without_token_sees_exactly_what_delivery_sees(send):
    for endpoint in ENDPOINTS[:-1]:
        delivery, preview = send("delivery", endpoint)[0], send("delivery_preview_no_token", endpoint)[0]
        assert (preview.status_code, preview.content) == (delivery.status_code, delivery.content), endpoint


def test_revocation_takes_effect_on_the_next_request(api_get, content, web_channel):
    from cms.api.keys import api_key_create

    key, raw = api_key_create(channel=web_channel, name="soon revoked", scopes=["delivery"])
    assert api_get(content["pages"], raw).status_code == 200
    key.revoke()
    response = api_get(content["pages"], raw)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_query_string_key_is_not_read_even_beside_a_valid_header(api_get, content, web_key, mobile_key):
    """The header decides; a key in the query string is never a credential."""
    detail = api_get(_with_query(content["page_not_on_web"], urlencode({"api_key": mobile_key})), web_key)
    assert detail.status_code == 404  # web's answer, not mobile's 200
    listing = api_get(_with_query(content["pages"], urlencode({"api_key": mobile_key})), web_key)
    assert listing.status_code == 400 and "api_key" in listing.json()["detail"]
