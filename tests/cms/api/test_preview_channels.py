"""Frontend preview is tied to a channel and shows the draft's own channel overrides."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from cms.api.keys import api_key_create
from cms.models import ArticlePage, PageChannelOverride
from cms.preview_tokens import preview_token_channel
from wagtail_headless_preview.models import HeadlessPreviewMixin
from tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def preview_keys(channels):
    return {
        slug: api_key_create(channel=channel, name=f"{slug} preview", scopes=["delivery", "preview"])[1]
        for slug, channel in channels.items()
    }


@pytest.fixture
def article(home, channels):
    page = ArticlePageFactory(parent=home, title="Live headline", slug="previewed")
    PageChannelOverride.objects.create(page=page, channel=channels["web"], title="Live web headline")
    return ArticlePage.objects.get(pk=page.pk)


def get(path, key):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {key}")


def preview_path(page, channel: str, form: str = "page_preview/1/") -> str:
    token = page.create_page_preview(channel_slug=channel).token
    return f"/api/v2/{form}?content_type=cms.articlepage&token={token}"


def test_a_token_made_for_one_channel_is_refused_for_another(article, preview_keys):
    path = preview_path(article, "web")
    assert get(path, preview_keys["web"]).status_code == 200
    refused = get(path, preview_keys["mobile"])
    assert refused.status_code == 403, refused.content
    assert refused["Content-Type"] == "application/problem+json"
    assert "Live" not in refused.content.decode()


def test_a_token_made_for_no_channel_is_refused(article, preview_keys):
    token = article.create_page_preview().token
    response = get(f"/api/v2/page_preview/1/?content_type=cms.articlepage&token={token}", preview_keys["web"])
    assert response.status_code == 403


def test_a_draft_not_offered_on_the_keys_channel_is_not_previewed(article, channels, preview_keys):
    draft = article.get_latest_revision_as_object()
    draft.channel_overrides.add(PageChannelOverride(channel=channels["mobile"], offered=False))
    draft.save_revision()
    draft = ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object()
    response = get(preview_path(draft, "mobile"), preview_keys["mobile"])
    assert response.status_code == 404
    assert "Live headline" not in response.content.decode()
    assert get(preview_path(draft, "web"), preview_keys["web"]).status_code == 200


def test_preview_shows_the_drafts_channel_overrides_not_the_live_ones(article, channels, preview_keys):
    draft = article.get_latest_revision_as_object()
    web_override = draft.channel_overrides.get(channel=channels["web"])
    web_override.title = "Draft web headline"
    draft.channel_overrides = [
        web_override, PageChannelOverride(channel=channels["mobile"], title="Draft mobile headline"),
    ]
    draft.save_revision()
    draft = ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object()
    assert get(preview_path(draft, "web"), preview_keys["web"]).json()["title"] == "Draft web headline"
    assert get(preview_path(draft, "mobile"), preview_keys["mobile"]).json()["title"] == "Draft mobile headline"
    live = get(f"/api/v2/pages/{article.pk}/", preview_keys["web"]).json()
    assert live["title"] == "Live web headline"


def test_the_headless_preview_form_without_an_id_serves_the_same_draft(article, preview_keys):
    token = article.create_page_preview(channel_slug="web").token
    query = f"?content_type=cms.articlepage&token={token}"
    by_id = get(f"/api/v2/page_preview/1/{query}", preview_keys["web"])
    without_id = get(f"/api/v2/preview/{query}", preview_keys["web"])
    assert without_id.status_code == 200, without_id.content
    assert without_id.json() == by_id.json()
    assert without_id["Cache-Control"] == "no-store"
    assert get(f"/api/v2/preview/{query}", preview_keys["mobile"]).status_code == 403
    assert get("/api/v2/preview/", preview_keys["web"]).status_code == 400


def test_the_preview_form_needs_the_preview_scope(article, channels):
    _, delivery_only = api_key_create(channel=channels["web"], name="web delivery", scopes=["delivery"])
    assert get(preview_path(article, "web", form="preview/"), delivery_only).status_code == 403


def test_the_admin_offers_one_frontend_mode_per_channel_and_binds_its_token(article, channels):
    assert {mode for mode, _ in article.preview_modes} == {"", "headless:mobile", "headless:web"}
    request = RequestFactory().get("/admin/")
    request.user = AnonymousUser()
    response = article.serve_preview(request, "headless:mobile")
    preview_url = response.url if response.status_code == 302 else re.search(r'src="([^"]+)"', response.content.decode())[1]
    token = parse_qs(urlsplit(html.unescape(preview_url)).query)["token"][0]
    assert preview_token_channel(HeadlessPreviewMixin.get_preview_signer().unsign(token)) == "mobile"


def test_an_editor_previewing_a_revision_for_a_channel_gets_a_token_only_that_channel_reads(
    article, preview_keys, client
):
    from django.urls import reverse

    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    article.title = "Revised headline"
    revision = article.save_revision()
    url = reverse("wagtailadmin_pages:revisions_view", args=[article.pk, revision.pk])
    response = client.get(url, {"mode": "headless:mobile"})
    assert response.status_code in (200, 302), response.content[:300]
    preview_url = response.url if response.status_code == 302 else re.search(r'src="([^"]+)"', response.content.decode())[1]
    query = urlsplit(html.unescape(preview_url)).query
    assert get(f"/api/v2/preview/?{query}", preview_keys["mobile"]).json()["title"] == "Revised headline"
    assert get(f"/api/v2/preview/?{query}", preview_keys["web"]).status_code == 403


def test_preview_modes_cost_no_query_per_page(article, home, django_assert_num_queries):
    article.preview_modes  # the first page reads the channels once per content generation
    with django_assert_num_queries(0):
        assert len(home.specific.preview_modes) == 3
