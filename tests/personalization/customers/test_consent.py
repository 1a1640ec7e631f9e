"""Consent through the API: stored for every id of a customer; behaviour and CRM data used only with it."""

from datetime import datetime, timezone

import pytest

from personalization.customers.identity import identify
from personalization.customers.membership import profile_segments
from personalization.models import Event, TraitDefinition, VisitorProfile
from personalization.profiles import profile_upsert
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db
GOLD = {"attribute": "trait.plan", "operator": "equals", "value": "gold"}


def click(event_id: str, visitor_id: str) -> dict:
    return {"id": event_id, "type": "click", "visitor_id": visitor_id, "timestamp": datetime.now(timezone.utc).isoformat()}


def test_consent_is_stored_and_withdrawn(crm):
    response = crm.put("profiles/v-1/consent/", {"consent": ["crm", "behaviour"]})
    assert response.status_code == 200, response.content
    assert response.json() == {"visitor_id": "v-1", "consent": ["behaviour", "crm"], "visitor_ids": ["v-1"]}
    assert VisitorProfile.objects.get(visitor_id="v-1").consent == ["behaviour", "crm"]
    assert crm.put("profiles/v-1/consent/", {"consent": []}).json()["consent"] == []
    assert VisitorProfile.objects.get(visitor_id="v-1").consent == []


def test_consent_given_to_one_id_covers_every_id_of_the_customer(crm):
    identify(visitor_id="web", customer_id="C-1", reason="test")
    identify(visitor_id="app", customer_id="C-1", reason="test")
    body = crm.put("profiles/app/consent/", {"consent": ["behaviour"]}).json()
    assert body["visitor_ids"] == ["app", "web"]
    assert dict(VisitorProfile.objects.values_list("visitor_id", "consent")) == {"web": ["behaviour"], "app": ["behaviour"]}


@pytest.mark.parametrize(
    ("body", "status"),
    [({"consent": ["marketing"]}, 422), ({"consent": "crm"}, 422), ({"consent": ["crm", "crm"]}, 422),
     ({"consents": []}, 400), ("[1, 2", 400)],
)
def test_bad_consent_bodies_are_problems(crm, body, status):
    response = crm.put("profiles/v-1/consent/", body)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert not VisitorProfile.objects.exists()


def test_without_behaviour_consent_an_event_never_touches_a_profile(crm, post_events, django_capture_on_commit_callbacks):
    crm.put("profiles/v-1/consent/", {"consent": ["crm"]})
    with django_capture_on_commit_callbacks(execute=True):
        assert post_events([click("a", "v-1"), click("b", "v-2")]).status_code == 200
    assert VisitorProfile.objects.get(visitor_id="v-1").events == []
    assert not VisitorProfile.objects.filter(visitor_id="v-2").exists()
    assert set(Event.objects.values_list("visitor_id", flat=True)) == {None}  # stored without the id
    crm.put("profiles/v-1/consent/", {"consent": ["behaviour"]})
    with django_capture_on_commit_callbacks(execute=True):
        post_events([click("c", "v-1")])
    assert [event["name"] for event in VisitorProfile.objects.get(visitor_id="v-1").events] == ["click"]


def test_crm_traits_are_stored_but_rules_use_them_only_with_crm_consent(django_capture_on_commit_callbacks):
    TraitDefinition.objects.create(name="plan", type="string")
    with django_capture_on_commit_callbacks(execute=True):
        SegmentFactory(key="gold", definition=GOLD)
    row = profile_upsert(visitor_id="v-1", consent=["behaviour"], traits={"plan": "gold"})
    assert row.traits == {"plan": "gold"}
    assert profile_segments(row) == []
    row = profile_upsert(visitor_id="v-1", consent=["behaviour", "crm"])
    assert profile_segments(row) == ["gold"]
