"""API keys in the admin: Developers issue a key (shown once), rescope and revoke it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import ApiKey
from tests.factories import ChannelFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def developer():
    client = Client()
    client.force_login(UserFactory(username="dev", role="Developers"))
    return client


def test_a_developer_issues_a_key_that_is_shown_once_and_works(developer, home):
    channel = ChannelFactory(slug="web")
    response = developer.post(
        reverse("api_keys:add"), {"name": "Storefront", "channel": channel.pk, "scopes": ["delivery", "events"]}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    raw_key = re.search(r"tlr_[A-Za-z0-9]+_[A-Za-z0-9_-]+", text).group(0)
    key = ApiKey.objects.get(name="Storefront")
    assert key.scopes == ["delivery", "events"] and key.created_by.username == "dev"
    assert raw_key not in key.secret_hash
    assert Client().get("/api/v2/pages/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 200
    developer.post(reverse("api_keys:edit", args=[key.pk]), {"name": "Storefront", "scopes": ["delivery"], "revoked": "on"})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert Client().get("/api/v2/pages/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 401


def test_editors_and_marketers_cannot_reach_api_keys(home):
    for role in ("Editors", "Marketers"):
        client = Client()
        client.force_login(UserFactory(username=f"u-{role}", role=role))
        assert client.get(reverse("api_keys:index")).status_code in (302, 403)
