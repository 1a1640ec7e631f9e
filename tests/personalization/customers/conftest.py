"""Fixtures for the CRM endpoints: a channel, keys with the `crm` and `events` scopes, and `crm`."""

import json
from types import SimpleNamespace

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from tests.cms import test_webhooks
from tests.factories import ChannelFactory


@pytest.fixture
def channel(db):
    return ChannelFactory(slug="web")


@pytest.fixture
def crm_key(channel) -> str:
    return api_key_create(channel=channel, name="crm", scopes=["crm"])[1]


@pytest.fixture
def events_key(channel) -> str:
    return api_key_create(channel=channel, name="events", scopes=["events"])[1]


@pytest.fixture
def crm(crm_key):
    """`crm.get(path)`, `crm.put(path, body)`, `crm.post(path, body)`, `crm.delete(path)` with the crm key."""
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {crm_key}"}

    def send(method: str, path: str, body=None, **extra):
        data = json.dumps(body) if body is not None and not isinstance(body, (str, bytes)) else body
        kwargs = {"data": data, "content_type": "application/json"} if body is not None else {}
        return getattr(client, method)(f"/api/v2/{path}", **kwargs, **auth, **extra)

    return SimpleNamespace(
        get=lambda path, **extra: send("get", path, **extra),
        put=lambda path, body, **extra: send("put", path, body, **extra),
        patch=lambda path, body, **extra: send("patch", path, body, **extra),
        post=lambda path, body, **extra: send("post", path, body, **extra),
        delete=lambda path, **extra: send("delete", path, **extra),
    )


@pytest.fixture
def post_events(events_key):
    """POST a batch of events with the events key."""

    def post(events, **extra):
        return Client().post("/api/v2/events/", json.dumps({"events": events}), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {events_key}", **extra)

    return post


# A real HTTP receiver on 127.0.0.1 recording every POST (the webhooks tests' own).
receiver = test_webhooks.receiver
