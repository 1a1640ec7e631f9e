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
        segment = SegmentFactory(key="gold", name="Gold", priority=1, definition={"attribute": "device", "operator": "equals", "value": "console"})
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


@pytest.mark.parametrize("role", ["Editors", "Chief Content Officer", "Marketers"])
def test_preview_as_renders_in_the_frame_on_first_open_for_every_role(page, role):
    client = Client()
    client.force_login(UserFactory(username=f"u-{role}", role=role))
    form = client.get(reverse("personalization_preview_as", args=[page.pk]))  # no query: the form's defaults
    assert form.status_code == 200
    frame = client.get(form.context["frame_url"])
    assert frame.status_code == 200
    assert b"For everyone" in frame.content
    assert b"wagtailadmin" not in frame.content and b"permission" not in frame.content.lower()


def test_a_frame_without_a_channel_says_so_instead_of_nesting_the_admin(page, admin_client):
    frame = admin_client.get(reverse("personalization_preview_render", args=[page.pk]))
    assert frame.status_code == 400
    assert frame.content == b"Choose a channel to preview as."


def _with_override(page, channel, **fields):
    from cms.models.channels import PageChannelOverride

    page.channel_overrides.add(PageChannelOverride(channel=channel, **fields))
    page.save_revision()


def test_the_channels_title_and_summary_override_the_draft(page, admin_client):
    mobile = ChannelFactory(slug="mobile", name="Mobile")
    _with_override(page, mobile, title="Short offer", summary="Tap to save")
    as_mobile = admin_client.get(reverse("personalization_preview_render", args=[page.pk]) + "?channel=mobile")
    assert b"<h1>Short offer</h1>" in as_mobile.content and b"Tap to save" in as_mobile.content
    as_web = admin_client.get(reverse("personalization_preview_render", args=[page.pk]) + "?channel=web")
    assert b"<h1>Offer</h1>" in as_web.content and b"Short offer" not in as_web.content


def test_a_page_not_offered_on_the_channel_says_so_instead_of_rendering(page, admin_client):
    email = ChannelFactory(slug="email", name="Email")
    _with_override(page, email, offered=False)
    as_email = admin_client.get(reverse("personalization_preview_render", args=[page.pk]) + "?channel=email")
    assert as_email.status_code == 200
    assert b"Not offered on Email." in as_email.content and b"For everyone" not in as_email.content


def test_blocks_render_readably_with_styles(home, admin_client):
    from cms.models import Promo
    from tests.factories.personalised import _id

    ChannelFactory(slug="web")
    promo = Promo.objects.create(title="Half price socks", body="<p>This week only</p>", link_url="https://example.com/socks")
    body = [
        {"type": "hero", "id": _id(), "value": {"heading": "Winter sale", "subheading": "Everything must go", "image": None, "call_to_action": None}},
        {"type": "promo_cards", "id": _id(), "value": {"heading": "Deals", "promos": [{"type": "item", "value": promo.pk, "id": _id()}]}},
        {"type": "quote", "id": _id(), "value": {"quote": "Best socks ever", "attribution": "A customer"}},
    ]
    landing = LandingPageFactory(parent=home, title="Sale", body=body)
    rendered = admin_client.get(reverse("personalization_preview_render", args=[landing.pk]) + "?channel=web").content.decode()
    assert "ListValue" not in rendered and "StructValue" not in rendered and "&lt;Promo" not in rendered
    assert '<section class="block-hero">' in rendered and "<h2>Winter sale</h2>" in rendered
    assert '<h3>Half price socks</h3>' in rendered and "<p>This week only</p>" in rendered
    assert '<blockquote class="block-quote">' in rendered and "<style>" in rendered
