"""Shared fixtures for delivery API tests: channels, keys of every kind, and `api_get`.

Keys are raw strings (what a frontend would send). `web_key` and `mobile_key` are
delivery keys on two channels; the others cover every way a request can be
(un)authorised. `api_get(path, key=None, **extra)` sends `Authorization: Bearer <key>`
through Django's test client; `extra` is passed on as WSGI environ (HTTP_IF_NONE_MATCH=...,
or HTTP_AUTHORIZATION=... to send a header verbatim).

Cached API bodies and per-process lookups are keyed by the content generation, which
the signal handlers bump after commit. Test transactions never commit: tests call
`content_changed()` after seeding to stand in for the commit (or run the commit
callbacks with `django_capture_on_commit_callbacks(execute=True)`). The cache itself
is emptied before every test by tests/conftest.py.
"""

import pytest
from django.test import Client

from cms.api.generation import content_generation_bump
from cms.api.keys import api_key_create
from tests.factories import ChannelFactory


@pytest.fixture
def content_changed():
    """Call after changing content outside a committed transaction (what on_commit would do)."""
    return content_generation_bump


@pytest.fixture
def no_rate_limit(settings):
    """For tests that send more requests per key than the default per-minute limit."""
    settings.API_RATE_LIMIT = 1_000_000


CHANNEL_PRESETS = {
    "web": [("hero", "width-100|format-webp")],
    "mobile": [("hero", "width-50|format-webp")],
}


def channel_get_or_create(slug: str):
    """The channel with this slug (a module-scoped seed may have made it), with its presets."""
    from cms.models import Channel

    return Channel.objects.filter(slug=slug).first() or ChannelFactory(
        slug=slug, name=slug.title(), presets=CHANNEL_PRESETS.get(slug, [])
    )


@pytest.fixture
def web_channel(db):
    return channel_get_or_create("web")


@pytest.fixture
def mobile_channel(db):
    return channel_get_or_create("mobile")


@pytest.fixture
def channels(home, web_channel, mobile_channel):
    """The web and mobile channels by slug, on a site whose root is `home`."""
    return {"web": web_channel, "mobile": mobile_channel}


def _key(channel, *scopes: str) -> str:
    _, raw = api_key_create(channel=channel, name=f"{channel.slug} {'+'.join(scopes) or 'none'}", scopes=list(scopes))
    return raw


@pytest.fixture
def web_key(web_channel) -> str:
    """A delivery key on the web channel."""
    return _key(web_channel, "delivery")


@pytest.fixture
def mobile_key(mobile_channel) -> str:
    """A delivery key on the mobile channel (the 'other channel' of web)."""
    return _key(mobile_channel, "delivery")


@pytest.fixture
def events_key(web_channel) -> str:
    """A key that may only report events."""
    return _key(web_channel, "events")


@pytest.fixture
def preview_only_key(web_channel) -> str:
    """A key with the preview scope but not delivery."""
    return _key(web_channel, "preview")


@pytest.fixture
def delivery_preview_key(web_channel) -> str:
    """A delivery+preview key: without a preview token it must see what a delivery key sees."""
    return _key(web_channel, "delivery", "preview")


@pytest.fixture
def revoked_key(web_channel) -> str:
    key, raw = api_key_create(channel=web_channel, name="revoked", scopes=["delivery", "preview", "events"])
    key.revoke()
    return raw


@pytest.fixture
def unknown_key() -> str:
    """Well-formed, never issued."""
    return "tlr_deadbeef_" + "x" * 32


# Authorization header values that are not `Bearer <one token>`; {key} is a valid delivery key.
MALFORMED_AUTHORIZATION = [
    "Bearer",
    "Bearer ",
    "Bearer {key} extra",
    "Basic dXNlcjpwYXNz",
    "Token {key}",
    "{key}",
]


@pytest.fixture
def malformed_headers(web_key) -> list[str]:
    """Malformed Authorization values; some wrap a valid key, which must not help."""
    return [value.format(key=web_key) for value in MALFORMED_AUTHORIZATION]


@pytest.fixture
def all_keys(web_key, mobile_key, events_key, preview_only_key, delivery_preview_key, revoked_key, unknown_key):
    """Every key kind by name (raw strings)."""
    return {
        "web": web_key,
        "mobile": mobile_key,
        "events": events_key,
        "preview_only": preview_only_key,
        "delivery_preview": delivery_preview_key,
        "revoked": revoked_key,
        "unknown": unknown_key,
    }


@pytest.fixture
def api_client() -> Client:
    return Client()


@pytest.fixture
def api_get(api_client):
    """`api_get(path, key=None, **extra)`: GET with `Authorization: Bearer <key>` when a key is given."""

    def get(path: str, key: str | None = None, **extra):
        if key is not None:
            extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {key}")
        return api_client.get(path, **extra)

    return get
