"""Erasure: nothing about the customer's ids is left in any table; later events and pushes do not bring it back."""

import hashlib
from datetime import datetime, timezone

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.db.models.functions import Cast

from cms.models import OutboxJob, Webhook
from cms.outbox import outbox_run
from personalization.customers.erasure import eraser, erase, registered_erasers, _erasers
from personalization.customers.identity import identify
from personalization.customers.membership import membership_diff
from personalization.customers.suppression import id_hash
from personalization.events.ingest import LEARN_HANDLER
from personalization.insight.models import Feedback
from personalization.models import ErasureLog, Event, SegmentMembership, Suppression, VisitorProfile
from personalization.profiles import ProfileSuppressed, _profile_key, profile_load, profile_upsert
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db
WEB, APP = "erase-me-web-7f3a", "erase-me-app-91c2"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def click(event_id: str, visitor_id: str) -> dict:
    return {"id": event_id, "type": "click", "visitor_id": visitor_id, "timestamp": datetime.now(timezone.utc).isoformat()}


def rows_holding(text: str) -> list[str]:
    """`table.column` of every row of every table whose text or JSON column contains `text`."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS):
                rows = model._default_manager.annotate(_as_text=Cast(field.name, models.TextField()))
                if rows.filter(_as_text__contains=text).exists():
                    found.append(f"{model._meta.db_table}.{field.column}")
    return found


@pytest.fixture
def customer(crm, post_events, receiver, django_capture_on_commit_callbacks):
    """A customer with two visitor ids, traits, raw events (learned), a segment membership sent to a webhook."""
    Webhook.objects.create(name="crm", url=receiver.url, secret="s", events=["segment.membership"])
    with django_capture_on_commit_callbacks(execute=True):
        SegmentFactory(key="clickers", definition={"attribute": "events", "operator": "done_within_days",
                                                   "value": {"event": "click", "days": 7}})
        profile_upsert(visitor_id=WEB, consent=["behaviour", "crm"], traits={"plan": "gold", "city": "Oslo"})
        assert crm.post(f"profiles/{WEB}/identify/", {"customer_id": "CRM-77"}).status_code == 200
        assert crm.post(f"profiles/{APP}/identify/", {"customer_id": "CRM-77"}).status_code == 200
        assert post_events([click("e1", WEB), click("e2", APP), click("e3", "someone-else")],
                           HTTP_X_CONSENT="behaviour").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # once the events are learned
        membership_diff()
    assert len(receiver.requests) == 1
    profile_load(APP)  # cached now
    # Feedback under one visitor id and under the CRM id only.
    Feedback.objects.create(text="Slow delivery", source="support", visitor_id=APP, occurred_at=datetime.now(timezone.utc),
                            external_id="t-1", score=-0.4, label="negative")
    Feedback.objects.create(text="Fine", source="survey", customer_id="CRM-77", occurred_at=datetime.now(timezone.utc),
                            external_id="s-1", score=0.2, label="neutral")
    # A profile learning job still queued, for this customer and someone else.
    queued = OutboxJob.objects.create(handler=LEARN_HANDLER, kwargs={"events": {
        WEB: [{"name": "view", "at": datetime.now(timezone.utc).isoformat(), "target": None}],
        "someone-else": [{"name": "view", "at": datetime.now(timezone.utc).isoformat(), "target": None}],
    }})
    for visitor_id in (WEB, APP):
        assert rows_holding(visitor_id), "the setup holds the ids"
    return queued


def test_erasure_leaves_no_row_anywhere_holding_any_of_the_customers_ids(crm, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = crm.delete(f"profiles/{APP}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["suppressed"] is True
    removed = body["removed"]
    assert {key: removed[key] for key in ("profiles", "merged_ids", "traits", "events", "segment_memberships")} == {
        "profiles": 1, "merged_ids": 1, "traits": 2, "events": 2, "segment_memberships": 1,
    }
    assert removed["feedback"] == 2
    assert removed["merge_records"] == 2 and removed["jobs"] >= 3  # learning jobs (done and queued), the webhook's
    for visitor_id in (WEB, APP):
        assert rows_holding(visitor_id) == []
        assert cache.get(_profile_key(visitor_id)) is None
    assert rows_holding("CRM-77") == []
    log = ErasureLog.objects.get()
    assert log.id_hash == id_hash(APP) and log.id_hash != hashlib.sha256(APP.encode()).hexdigest()  # keyed
    # Counts only are left where events were rolled up; someone else's events are untouched.
    assert list(Event.objects.values_list("visitor_id", flat=True)) == ["someone-else"]


def test_a_queued_learning_job_still_runs_for_everybody_else(crm, customer):
    crm.delete(f"profiles/{WEB}/")
    outbox_run(customer.pk)
    assert not VisitorProfile.objects.filter(visitor_id__in=[WEB, APP]).exists()
    assert [event["name"] for event in VisitorProfile.objects.get(visitor_id="someone-else").events] == ["click", "view"]


def test_an_erased_id_stays_erased_until_consent_is_given_again(crm, customer, post_events, django_capture_on_commit_callbacks):
    crm.delete(f"profiles/{WEB}/")
    with django_capture_on_commit_callbacks(execute=True):
        # events arriving later, even with the banner's consent, keep no id and make no profile
        assert post_events([click("late", WEB)], HTTP_X_CONSENT="behaviour").status_code == 200
    assert Event.objects.get(event_id="late").visitor_id is None
    # a learning job queued before the erasure (the suppression is checked in the job too)
    from personalization.profiles import events_apply, visits_apply

    events_apply(events={APP: [{"name": "click", "at": datetime.now(timezone.utc).isoformat(), "target": None}]})
    visits_apply(visits={WEB: 1}, at=datetime.now(timezone.utc).isoformat(), pages={APP: ["/x/"]})
    assert rows_holding(WEB) == [] and rows_holding(APP) == []
    # CRM pushes and identify are refused
    assert crm.post(f"profiles/{WEB}/identify/", {"customer_id": "CRM-77"}).status_code == 409
    with pytest.raises(ProfileSuppressed):
        profile_upsert(visitor_id=APP, traits={"plan": "gold"})
    # withdrawing consent from an erased id creates nothing either
    assert crm.put(f"profiles/{WEB}/consent/", {"consent": []}).json()["visitor_ids"] == []
    assert rows_holding(WEB) == []
    # consent given again lifts the suppression of that id (only)
    assert crm.put(f"profiles/{WEB}/consent/", {"consent": ["behaviour"]}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        post_events([click("back", WEB), click("still-out", APP)])
    assert set(Event.objects.filter(event_id__in=["back", "still-out"]).values_list("visitor_id", flat=True)) == {WEB, None}
    assert [event["name"] for event in VisitorProfile.objects.get(visitor_id=WEB).events] == ["click"]
    assert Suppression.objects.filter(id_hash=id_hash(APP)).exists()


def test_erasing_an_unknown_id_removes_nothing_and_suppresses_it(crm):
    body = crm.delete("profiles/never-seen/").json()
    assert set(body["removed"]) == {"profiles", "merged_ids", "traits", "merge_records", "segment_memberships",
                                    "events", "jobs", "feedback"}
    assert not any(body["removed"].values())
    assert Suppression.objects.filter(id_hash=id_hash("never-seen")).exists()


def test_erasers_are_a_registry_new_kinds_of_data_plug_into(monkeypatch):
    monkeypatch.setitem(_erasers, "feedback", lambda subject: {"feedback": len(subject.visitor_ids)})
    assert registered_erasers()[-1] == "feedback"
    profile_upsert(visitor_id="v-1")
    identify(visitor_id="v-2", customer_id="C", reason="test")
    identify(visitor_id="v-1", customer_id="C", reason="test")
    assert erase("v-1")["feedback"] == 2
    assert eraser("x")(print) is print  # the decorator returns the function
    _erasers.pop("x")


def test_segment_memberships_go_with_the_profile(crm, customer):
    assert SegmentMembership.objects.exists()
    crm.delete(f"profiles/{WEB}/")
    assert not SegmentMembership.objects.exists()


@pytest.mark.parametrize("method", ["get", "delete"])
def test_an_id_no_profile_could_have_is_a_404(crm, method):
    response = getattr(crm, method)(f"profiles/{'x' * 129}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert not Suppression.objects.exists()
