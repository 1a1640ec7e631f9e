"""The chief content officer deletes or unpublishes a segment in use only by choosing a
replacement, which takes its place everywhere live in one step; marketers are refused."""

import html

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.models import Page

from cms.roles import CHIEF_CONTENT_OFFICER, MARKETERS
from personalization.dependants import segment_dependants
from personalization.models import PageVariant, Placement, Segment
from personalization.segment_replacement import ReplacementError, replace_segment
from tests.factories import LandingPageFactory, SegmentFactory, UserFactory
from tests.factories.personalised import heading, personalised_block

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_personalization_segment"


def url(name: str, *args) -> str:
    return reverse(f"{URLS}:{name}", args=args)


def client_for(username: str, role: str) -> tuple[Client, object]:
    user = UserFactory(username=username, role=role)
    client = Client()
    client.force_login(user)
    return client, user


def messages_of(response) -> list[str]:
    return [html.unescape(str(message)).strip() for message in get_messages(response.wsgi_request)]


@pytest.fixture
def in_use(home):
    """'Gold members' used by a segment, a page's personalised block, a page variant and a placement."""
    gold = SegmentFactory(key="gold", name="Gold members")
    vip = SegmentFactory(key="vip", name="VIP")
    at_risk = SegmentFactory(key="at-risk", name="Customers at risk of leaving", definition={"all": [
        {"attribute": "visit_count", "operator": "lt", "value": 2},
        {"not": {"attribute": "segment", "operator": "member_of", "value": "gold"}},
    ]})
    offer = LandingPageFactory(parent=home, title="Spring offer", body=[
        personalised_block("hero", "Default", [([gold], [], "Your spring offer is doubled")]),
    ])
    alternative = LandingPageFactory(parent=home, title="Gold landing")
    variant_page = LandingPageFactory(parent=home, title="Members area")
    PageVariant.objects.create(page=variant_page, segment=gold, alternative=alternative)
    placement = Placement.objects.create(key="home-hero", name="Home hero", default=[("heading", "Everyone")])
    placement.variants = Placement.variants.field.stream_block.to_python([
        {"type": "variant", "id": "g", "value": {"segments": [{"type": "item", "id": "s", "value": gold.pk}],
                                              "channels": [], "content": [heading("Gold")]}},
    ])
    placement.save()
    return {"gold": gold, "vip": vip, "at_risk": at_risk, "offer": offer, "variant_page": variant_page,
            "placement": placement}


def test_a_marketer_is_refused_with_every_user_named(in_use):
    marketer, _user = client_for("marketer", MARKETERS)
    gold = in_use["gold"]

    response = marketer.get(url("delete", gold.pk))

    assert response.status_code == 302 and response["Location"] == url("list")
    [message] = messages_of(response)
    for named in ("segment 'Customers at risk of leaving'", "page 'Spring offer'",
                  "page variant 'Members area → Gold landing'", "placement 'Home hero'"):
        assert named in message
    assert "(Private page)" not in message
    denied = marketer.get(url("replace", gold.pk))  # Wagtail turns "permission denied" into the dashboard
    assert denied.status_code == 302 and denied["Location"] == reverse("wagtailadmin_home")
    assert Segment.objects.filter(pk=gold.pk).exists()


def test_the_cco_is_led_to_the_replacement_and_it_replaces_everything_in_one_step(in_use):
    cco, user = client_for("cco", CHIEF_CONTENT_OFFICER)
    gold, vip = in_use["gold"], in_use["vip"]

    response = cco.get(url("delete", gold.pk))
    assert response["Location"] == url("replace", gold.pk) + "?then=delete"
    page = cco.get(response["Location"])
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "Customers at risk of leaving" in text and "Members area → Gold landing" in text

    revisions_before = in_use["at_risk"].revisions.count()
    response = cco.post(url("replace", gold.pk), {"then": "delete", "replacement": vip.pk})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Segment.objects.filter(pk=gold.pk).exists()
    at_risk = Segment.objects.get(key="at-risk")
    assert at_risk.definition["all"][1] == {"not": {"attribute": "segment", "operator": "member_of", "value": "vip"}}
    assert at_risk.revisions.count() == revisions_before + 1 and at_risk.live_revision.user == user
    assert PageVariant.objects.get(page=in_use["variant_page"]).segment_id == vip.pk
    offer = Page.objects.get(pk=in_use["offer"].pk).specific
    assert offer.body.raw_data[0]["value"]["variants"][0]["value"]["segments"][0]["value"] == vip.pk
    assert offer.live_revision.user == user
    placement = Placement.objects.get(pk=in_use["placement"].pk)
    assert placement.variants.raw_data[0]["value"]["segments"][0]["value"] == vip.pk
    [message] = messages_of(response)
    assert message.startswith("'VIP' replaced 'Gold members' in segment 'Customers at risk of leaving'")


def test_the_cco_unpublishes_by_replacing_too(in_use):
    cco, _user = client_for("cco", CHIEF_CONTENT_OFFICER)
    gold, vip = in_use["gold"], in_use["vip"]

    response = cco.post(url("unpublish", gold.pk))
    assert response["Location"] == url("replace", gold.pk) + "?then=unpublish"
    assert Segment.objects.get(pk=gold.pk).live

    cco.post(url("replace", gold.pk), {"then": "unpublish", "replacement": vip.pk})

    gold.refresh_from_db()
    assert not gold.live and segment_dependants(gold) == []


def test_no_replacement_chosen_changes_nothing(in_use):
    cco, _user = client_for("cco", CHIEF_CONTENT_OFFICER)
    gold = in_use["gold"]

    response = cco.post(url("replace", gold.pk), {"then": "delete"})

    assert response.status_code == 200 and response.context["form"].errors["replacement"]
    assert Segment.objects.filter(pk=gold.pk).exists() and len(segment_dependants(gold)) == 4


def test_a_replacement_that_would_make_a_cycle_is_refused_and_nothing_changes(in_use):
    gold = in_use["gold"]
    user = UserFactory(username="cco", role=CHIEF_CONTENT_OFFICER)
    # at-risk uses gold; replacing gold by at-risk would make at-risk use itself
    with pytest.raises(ReplacementError, match="itself uses 'Gold members'"):
        replace_segment(segment=gold, replacement=in_use["at_risk"], user=user)
    assert len(segment_dependants(gold)) == 4
    assert PageVariant.objects.get(page=in_use["variant_page"]).segment_id == gold.pk


def test_a_draft_cannot_be_the_replacement(in_use):
    draft = SegmentFactory(key="draft", name="Draft", live=False)
    user = UserFactory(username="cco", role=CHIEF_CONTENT_OFFICER)
    with pytest.raises(ReplacementError, match="not live"):
        replace_segment(segment=in_use["gold"], replacement=draft, user=user)
