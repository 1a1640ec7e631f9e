"""Right of access: GET /api/v2/profiles/<visitor_id>/ returns everything held, in the documented shape."""

from datetime import datetime, timezone

import pytest

from personalization.customers.identity import identify
from personalization.customers.membership import membership_diff
from personalization.models import TraitDefinition
from personalization.profiles import profile_upsert
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db


def test_the_export_holds_every_id_consent_traits_events_and_segments(crm, post_events, django_capture_on_commit_callbacks):
    TraitDefinition.objects.create(name="plan", type="string")
    with django_capture_on_commit_callbacks(execute=True):
        SegmentFactory(key="gold", definition={"attribute": "trait.plan", "operator": "equals", "value": "gold"})
        SegmentFactory(key="silver", definition={"attribute": "trait.plan", "operator": "equals", "value": "silver"})
    profile_upsert(visitor_id="web", consent=["behaviour", "crm"], traits={"plan": "silver"})
    membership_diff(notify=False)
    identify(visitor_id="web", customer_id="C-1", reason="test")
    identify(visitor_id="app", customer_id="C-1", reason="login")
    profile_upsert(visitor_id="app", traits={"plan": "gold"})
    with django_capture_on_commit_callbacks(execute=True):
        now = datetime.now(timezone.utc).isoformat()
        post_events([{"id": "e1", "type": "click", "visitor_id": "app", "timestamp": now, "placement": "hero"}])
    membership_diff(notify=False)
    response = crm.get("profiles/app/")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["visitor_id"], body["customer_id"], body["visitor_ids"]) == ("app", "C-1", ["web", "app"])
    assert [(m["visitor_id"], m["reason"]) for m in body["merges"]] == [("web", "test"), ("app", "login")]
    assert body["consent"] == ["behaviour", "crm"]
    [trait] = body["traits"]
    assert (trait["name"], trait["value"], trait["source"]) == ("plan", "gold", "seed") and trait["updated_at"]
    assert [(e["id"], e["visitor_id"], e["placement"]) for e in body["events"]] == [("e1", "app", "hero")]
    assert [e["name"] for e in body["profile"]["recent_events"]] == ["click"]
    assert [s["key"] for s in body["segments"]] == ["gold"] and body["segments"][0]["entered_at"]
    history = {(h["key"], h["left_at"] is None) for h in body["segment_history"]}
    assert history == {("silver", False), ("gold", True)}


def test_trait_provenance_is_exported(crm):
    profile_upsert(visitor_id="v-1", traits={"plan": "gold"}, trait_source="import:crm.csv",
                   now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    assert crm.get("profiles/v-1/").json()["traits"] == [
        {"name": "plan", "value": "gold", "source": "import:crm.csv", "updated_at": "2026-03-01T00:00:00+00:00"}
    ]


def test_nothing_held_is_a_404(crm):
    response = crm.get("profiles/nobody/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
