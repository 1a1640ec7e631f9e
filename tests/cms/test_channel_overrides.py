"""Per-channel overrides are edited in the page editor's Channels tab and go live with the page."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset

from cms.api.keys import api_key_create
from cms.roles import CHIEF_CONTENT_OFFICER
from tests.factories import ArticlePageFactory, ChannelFactory, UserFactory
from tests.helpers.wagtail_admin import page_edit

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(home):
    return ArticlePageFactory(parent=home, title="Writing once for every channel")


@pytest.fixture
def mobile():
    return ChannelFactory(slug="mobile")


def mobile_title(article, mobile) -> str:
    key = api_key_create(channel=mobile, name="app", scopes=["delivery"])[1]
    response = Client().get(f"/api/v2/pages/{article.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}")
    return response.json()["title"]


def shorter_title_on(channel) -> dict:
    """The Channels tab's formset with one override: a shorter title on `channel`."""
    return inline_formset([{"channel": channel.pk, "offered": "on", "title": "Write once", "summary": "", "hero_image": ""}])


def test_the_editor_has_a_channels_tab(client, article):
    client.force_login(UserFactory(role=CHIEF_CONTENT_OFFICER))
    page = client.get(reverse("wagtailadmin_pages:edit", args=(article.pk,))).content.decode()
    assert 'id="tab-label-channels"' in page
    assert "channel_overrides-TOTAL_FORMS" in page


def test_an_override_saved_as_a_draft_stays_out_of_the_api_until_published(client, article, mobile, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(role=CHIEF_CONTENT_OFFICER))

    with django_capture_on_commit_callbacks(execute=True):
        assert page_edit(client, article, channel_overrides=shorter_title_on(mobile)).status_code == 302
    assert mobile_title(article, mobile) == "Writing once for every channel"

    with django_capture_on_commit_callbacks(execute=True):
        published = page_edit(client, article, action="action-publish", channel_overrides=shorter_title_on(mobile))
    assert published.status_code == 302
    assert mobile_title(article, mobile) == "Write once"
