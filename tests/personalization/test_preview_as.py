"""'Preview as': the admin renders a draft as a chosen segment and hands out a frontend token."""

import pytest
from django.test import Client
from django.urls import reverse

from personalization.models import Segment
from personalization.simulation import simulation_from_token
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory, UserFactory
from tests.factories.personalised import personalised_block

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(home, django_capture_on_commit_callbacks):
    ChannelFactory(slug="web")
    with django_capture_on_commit_callbacks(execute=True):
        segment = SegmentFactory(key="gold", name="Gold", priority=1, definition={"attribute": "device", "operator": "equals", "value": "never"})
    return LandingPageFactory(parent=home, title="Offer", body=[personalised_block("hero", "For everyone", [([segment], [], "For gold members")])])


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(username="boss", superuser=True))
    return client


def test_preview_as_a_segment_renders_its_variant_and_issues_a_token(page, admin_client):
    query = "channel=web&segments=gold&device=mobile"
    rendered = admin_client.get(reverse("personalization_preview_render", args=[page.pk]) + "?" + query)
    assert rendered.status_code == 200
    assert b"For gold members" in rendered.content and b"For everyone" not in rendered.content
    everyone = admin_client.get(reverse("personalization_preview_render", args=[page.pk]) + "?channel=web")
    assert b"For everyone" in everyone.content
    form = admin_client.get(reverse("personalization_preview_as", args=[page.pk]) + "?" + query)
    assert form.status_code == 200
    assert b"key of the <strong>Web</strong>" in form.content
    simulation = simulation_from_token(form.context["token"])
    assert (simulation["channel"], simulation["segments"]) == ("web", ["gold"])  # the token is for that channel's keys


def test_without_chosen_segments_the_rules_decide_as_they_do_for_the_frontend_token(page, admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        gold = Segment.objects.get(key="gold")
        gold.definition = {"attribute": "device", "operator": "equals", "value": "mobile"}
        gold.save_revision().publish()
    query = "channel=web&device=mobile"
    rendered = admin_client.get(reverse("personalization_preview_render", args=[page.pk]) + "?" + query)
    assert b"For gold members" in rendered.content
    form = admin_client.get(reverse("personalization_preview_as", args=[page.pk]) + "?" + query)
    assert "segments" not in simulation_from_token(form.context["token"])


def test_the_page_header_offers_preview_as(page, admin_client):
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert reverse("personalization_preview_as", args=[page.pk]).encode() in response.content


def test_people_who_may_not_edit_cannot_preview_as(page):
    client = Client()
    client.force_login(UserFactory(username="dev", role="Developers"))
    assert client.get(reverse("personalization_preview_as", args=[page.pk])).status_code in (302, 403)
