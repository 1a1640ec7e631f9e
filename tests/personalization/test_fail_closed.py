"""One broken segment never switches personalisation off, and content for a segment that is
gone (deleted, unpublished, expired, left out of compilation) never reaches anyone.

Through the pages API and the decide API, as a frontend asks, with anonymous visitors and
with a known one.
"""

import json
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client
from django.utils import timezone as django_timezone

from cms.api.keys import api_key_create
from personalization.models import PageVariant, Placement, Segment, TraitDefinition, VisitorProfile
from personalization.profiles import profile_upsert
from personalization.ruleset_cache import ruleset_changed
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory
from tests.factories.personalised import heading, personalised_block

pytestmark = pytest.mark.django_db

GOLD = {"attribute": "trait.tier", "operator": "equals", "value": "gold"}
MOBILE_RETURNING = {"all": [
    {"attribute": "device", "operator": "equals", "value": "mobile"},
    {"attribute": "visit_count", "operator": "gte", "value": 2},
]}
MEMBER_OF_A = {"attribute": "segment", "operator": "member_of", "value": "a"}
DOUBLED = "Your spring offer is doubled"


@pytest.fixture
def hub(home, django_capture_on_commit_callbacks):
    channel = ChannelFactory(slug="web")
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold", "silver"])
    with django_capture_on_commit_callbacks(execute=True):
        gold = SegmentFactory(key="gold-members", name="Gold members", priority=10, definition=GOLD)
        returning = SegmentFactory(key="mobile-returning", priority=20, definition=MOBILE_RETURNING)
    profile_upsert(visitor_id="v-gold", consent=["behaviour", "crm"], traits={"tier": "gold"},
                   now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    VisitorProfile.objects.filter(visitor_id="v-gold").update(visit_count=3)
    offer = LandingPageFactory(parent=home, title="Spring offer", body=[
        personalised_block("hero", "Spring offer", [([gold], [], DOUBLED)]),
    ])
    placement = Placement.objects.create(key="home-hero", name="Home hero", default=[("heading", "Everyone")])
    placement.variants = Placement.variants.field.stream_block.to_python([
        {"type": "variant", "id": "g", "value": {"segments": [{"type": "item", "id": "s", "value": gold.pk}],
                                              "channels": [], "content": [heading(DOUBLED)]}},
    ])
    placement.save()
    key = api_key_create(channel=channel, name="web", scopes=["delivery"])[1]
    return {"gold": gold, "returning": returning, "offer": offer, "key": key}


def decide(hub, **context):
    body = json.dumps({"context": context, "placements": ["home-hero"]})
    response = Client().post("/api/v2/personalize/decide/", body, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {hub['key']}")
    assert response.status_code == 200, response.content
    return response.json()


def hero(hub, page=None, **headers) -> str:
    page = page or hub["offer"]
    response = Client().get(f"/api/v2/pages/{page.pk}/", HTTP_AUTHORIZATION=f"Bearer {hub['key']}", **headers)
    assert response.status_code == 200, response.content
    return response.json()["body"][0]["value"]["content"][0]["value"]


def placement_text(body) -> str:
    return body["placements"]["home-hero"]["content"][0]["value"]


def test_a_segment_using_one_that_is_deleted_is_left_out_and_the_others_still_decide(hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = SegmentFactory(key="a", priority=30, definition={"all": []})
        SegmentFactory(key="b", priority=40, definition=MEMBER_OF_A)
    assert decide(hub, visitor_id="v-gold", device="mobile")["segments"] == ["gold-members", "mobile-returning", "a", "b"]

    with django_capture_on_commit_callbacks(execute=True):
        Segment.objects.filter(pk=a.pk).delete()  # as from the shell: the admin refuses it

    assert decide(hub, visitor_id="v-gold", device="mobile")["segments"] == ["gold-members", "mobile-returning"]


def test_a_segment_using_one_that_is_unpublished_is_left_out_and_the_others_still_decide(hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = SegmentFactory(key="a", priority=30, definition={"all": []})
        SegmentFactory(key="b", priority=40, definition={"not": MEMBER_OF_A})
        a.unpublish()

    # `not member_of a` must not read a missing `a` as "not a member": b is left out
    assert decide(hub, visitor_id="v-gold", device="mobile")["segments"] == ["gold-members", "mobile-returning"]


def test_the_variant_of_a_deleted_segment_reaches_nobody(hub, django_capture_on_commit_callbacks):
    assert hero(hub, HTTP_X_VISITOR_ID="v-gold") == DOUBLED
    assert placement_text(decide(hub, visitor_id="v-gold")) == DOUBLED
    assert hero(hub) == "Spring offer"

    with django_capture_on_commit_callbacks(execute=True):
        hub["gold"].delete()

    assert hero(hub) == "Spring offer"  # anonymous
    assert hero(hub, HTTP_X_VISITOR_ID="v-gold") == "Spring offer"
    anonymous = decide(hub)
    assert placement_text(anonymous) == "Everyone"
    assert anonymous["placements"]["home-hero"]["reason"] == "default"
    assert placement_text(decide(hub, visitor_id="v-gold")) == "Everyone"


@pytest.mark.parametrize("gone", ["unpublished", "expired", "trait deleted"])
def test_the_variant_of_a_segment_that_is_not_live_or_does_not_compile_reaches_nobody(
    hub, django_capture_on_commit_callbacks, gone
):
    with django_capture_on_commit_callbacks(execute=True):
        if gone == "unpublished":
            hub["gold"].unpublish()
        elif gone == "expired":  # and announced, but the scheduled unpublish has not run
            Segment.objects.filter(pk=hub["gold"].pk).update(expire_at=django_timezone.now() - timedelta(seconds=1))
            Segment.objects.get(pk=hub["gold"].pk).save(update_fields=["updated_at"])
        else:
            TraitDefinition.objects.filter(name="tier").delete()

    assert hero(hub, HTTP_X_VISITOR_ID="v-gold") == "Spring offer"
    assert hero(hub) == "Spring offer"
    assert placement_text(decide(hub, visitor_id="v-gold")) == "Everyone"
    assert placement_text(decide(hub)) == "Everyone"
    # the others still decide
    assert decide(hub, visitor_id="v-gold", device="mobile")["segments"] == ["mobile-returning"]


def test_a_page_variant_for_a_segment_that_is_not_live_is_never_served(hub, home, django_capture_on_commit_callbacks):
    alternative = LandingPageFactory(parent=home, title="Gold page", body=[heading("Alt")])
    page = LandingPageFactory(parent=home, title="Plain", body=[heading("Plain")])
    with django_capture_on_commit_callbacks(execute=True):
        page.segment_variants = [PageVariant(segment=hub["gold"], alternative=alternative)]
        page.save_revision().publish()

    def served(**headers) -> int:
        response = Client().get(f"/api/v2/pages/{page.pk}/", HTTP_AUTHORIZATION=f"Bearer {hub['key']}", **headers)
        return response.json()["id"]

    assert served(HTTP_X_VISITOR_ID="v-gold") == alternative.pk
    with django_capture_on_commit_callbacks(execute=True):
        hub["gold"].unpublish()
    assert served(HTTP_X_VISITOR_ID="v-gold") == page.pk
    assert served() == page.pk


def test_a_segment_stops_deciding_when_it_expires_though_nothing_announced_it(hub, monkeypatch):
    expiry = django_timezone.now() + timedelta(hours=1)
    Segment.objects.filter(pk=hub["gold"].pk).update(expire_at=expiry)
    ruleset_changed()  # compiled with its expiry ahead
    assert hero(hub, HTTP_X_VISITOR_ID="v-gold") == DOUBLED

    later = expiry + timedelta(minutes=1)
    monkeypatch.setattr(django_timezone, "now", lambda: later)  # the scheduler has not run yet

    assert hero(hub, HTTP_X_VISITOR_ID="v-gold") == "Spring offer"
    assert placement_text(decide(hub, visitor_id="v-gold")) == "Everyone"
