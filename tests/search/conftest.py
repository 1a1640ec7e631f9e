"""Search API fixtures: the delivery API's channels and keys (tests/cms/api/conftest.py), and `indexed`.

Pages are indexed as publishing indexes them: Wagtail enqueues the index update through
the outbox, whose jobs run when the transaction commits. Tests never commit, so seeding
runs inside `django_capture_on_commit_callbacks(execute=True)` (the `indexed` fixture).
"""

import pytest

from tests.cms.api.conftest import (  # fixtures shared with the delivery API's tests
    all_keys,
    api_client,
    api_get,
    delivery_preview_key,
    events_key,
    preview_only_key,
    revoked_key,
    unknown_key,
    channels,
    content_changed,
    mobile_channel,
    mobile_key,
    no_rate_limit,
    web_channel,
    web_key,
)

# Re-exported so pytest finds them here (and pyflakes sees them used).
__all__ = [
    "all_keys", "api_client", "api_get", "channels", "content_changed", "delivery_preview_key", "events_key",
    "mobile_channel", "mobile_key", "no_rate_limit", "preview_only_key", "revoked_key", "unknown_key",
    "web_channel", "web_key",
]


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """`with indexed():` runs the block's commit callbacks (index updates, generation bumps) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
