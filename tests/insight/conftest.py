"""Fixtures for feedback: a channel, a feedback key, `post_feedback`, and a fresh scorer choice per test."""

import json
from datetime import datetime, timezone

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from tests.factories import ChannelFactory


@pytest.fixture(autouse=True)
def _fresh_scorer():
    from personalization.insight.scoring import active_scorer_forget

    active_scorer_forget()
    yield
    active_scorer_forget()


@pytest.fixture
def channel(db):
    return ChannelFactory(slug="web")


@pytest.fixture
def feedback_key(channel) -> str:
    return api_key_create(channel=channel, name="feedback", scopes=["feedback"])[1]


def item(external_id: str, text: str = "The checkout is lovely.", **fields) -> dict:
    """A valid survey answer written now, with `fields` on top."""
    return {"external_id": external_id, "text": text, "source": "survey", "timestamp": datetime.now(timezone.utc).isoformat(), **fields}


@pytest.fixture
def post_feedback(feedback_key):
    """`post_feedback(body, key=feedback_key, **extra)`: POST a batch (a dict or raw text)."""

    def post(body, *, key: str | None = None, content_type: str = "application/json", **extra):
        raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return Client().post(
            "/api/v2/feedback/", raw, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {key or feedback_key}", **extra
        )

    return post
