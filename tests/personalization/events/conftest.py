"""Fixtures for event ingestion: a channel, an events key and `post_events`."""

import json
from datetime import datetime, timezone

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from tests.factories import ChannelFactory


@pytest.fixture
def channel(db):
    return ChannelFactory(slug="web")


@pytest.fixture
def events_key(channel) -> str:
    return api_key_create(channel=channel, name="events", scopes=["events"])[1]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def event(event_id: str, **fields) -> dict:
    """A valid click by visitor v-1 now, with `fields` on top."""
    return {"id": event_id, "type": "click", "visitor_id": "v-1", "timestamp": now_iso(), **fields}


@pytest.fixture
def post_events(events_key):
    """`post_events(body, key=events_key, content_type=…, **extra)`: POST a batch (a dict or raw text)."""

    def post(body, *, key: str | None = None, content_type: str = "application/json", **extra):
        raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return Client().post(
            "/api/v2/events/", raw, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {key or events_key}", **extra
        )

    return post
