"""Marketers' read-only list of pages: which segments can change each, and the way to 'Preview as'."""

import pytest
from django.urls import reverse

from cms.roles import EDITORS, MARKETERS
from tests.factories import LandingPageFactory, SegmentFactory, UserFactory
from tests.factories.personalised import heading, personalised_block

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(home):
    segment = SegmentFactory(key="gold", name="Gold members", priority=1, definition={"all": []})
    offer = LandingPageFactory(parent=home, title="Spring offer", body=[
        personalised_block("hero", "Default", [([segment], [], "For gold members")]),
    ])
    plain = LandingPageFactory(parent=home, title="About us", body=[heading("Hello")])
    draft = LandingPageFactory(parent=home, title="Unpublished plan", live=False)
    return {"offer": offer, "plain": plain, "draft": draft}


def rows(html: str, title: str) -> str:
    start = html.index(title)
    return html[start:html.index("</tr>", start)]


def test_a_marketer_sees_live_pages_the_segments_that_change_them_and_preview_as(client, pages):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    response = client.get(reverse("personalization_pages"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gold members" in rows(html, "Spring offer")
    assert "Gold members" not in rows(html, "About us")
    assert "Unpublished plan" not in html
    assert reverse("personalization_preview_as", args=[pages["offer"].pk]) in html
    assert client.get(reverse("personalization_preview_as", args=[pages["offer"].pk])).status_code == 200
    found = client.get(reverse("personalization_pages_results"), {"q": "spring"}).content.decode()
    assert "Spring offer" in found and "About us" not in found
    assert reverse("personalization_pages") in client.get(reverse("wagtailadmin_home")).content.decode()
    # the page's figures are a link away (marketers open no page editor)
    assert f'{reverse("personalization_dashboard")}?page={pages["offer"].pk}' in rows(html, "Spring offer")


def test_people_who_cannot_view_segments_do_not_get_the_list(client, pages):
    client.force_login(UserFactory(username="editor", role=EDITORS))
    refused = client.get(reverse("personalization_pages"))
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    assert reverse("personalization_pages") not in client.get(reverse("wagtailadmin_home")).content.decode()
