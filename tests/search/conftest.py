"""Search API fixtures: the delivery API's channels and keys (tests/cms/api/conftest.py), and `indexed`.

Pages are indexed as publishing indexes them: Wagtail enqueues the index update through
the outbox, whose jobs run when the transaction commits. Tests never commit, so seeding
runs inside `django_capture_on_commit_callbacks(execute=True)` (the `indexed` fixture).
"""

import pytest

from tests.cms.api.conftest import (  # noqa: F401 - fixtures shared with the delivery API's tests
    all_keys,
    api_client,
    api_get,
    delivery_preview_key,
    events_key,
    preview_only_key,
    revoked_key,
    unknown_key,
    channel_get_or_create,
    channels,
    content_changed,
    mobile_channel,
    mobile_key,
    no_rate_limit,
    web_channel,
    web_key,
)


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """`with indexed():` runs the block's commit callbacks (index updates, generation bumps) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
