"""POST /api/v2/events/: idempotency, per-item validation, whole-request errors, consent, no IP stored."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from cms.models import OutboxJob
from personalization.models import Event, EventType, VisitorProfile
from personalization.profiles import profile_upsert
from tests.factories import SegmentFactory
from tests.personalization.events.conftest import event

pytestmark = pytest.mark.django_db


def test_a_batch_is_stored_and_a_retry_creates_nothing(post_events, channel):
    batch = {"events": [event("a"), event("b", type="conversion", value=12.5, page=7, placement="hero")]}
    first = post_events(batch)
    assert first.status_code == 200, first.content
    assert first.json() == {"accepted": ["a", "b"], "duplicates": [], "rejected": []}
    retry = post_events(batch)
    assert retry.status_code == 200
    assert retry.json() == {"accepted": [], "duplicates": ["a", "b"], "rejected": []}
    assert Event.objects.count() == 2
    stored = Event.objects.get(event_id="b")
    assert (stored.channel_id, stored.type, stored.page_id, stored.placement) == (channel.pk, "conversion", 7, "hero")
    assert str(stored.value) == "12.5000"


def test_an_id_twice_in_one_batch_is_stored_once(post_events):
    twice = event("a")
    earlier = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    response = post_events({"events": [twice, dict(twice), event("a", timestamp=earlier)]})
    body = response.json()
    assert (body["accepted"], body["duplicates"]) == (["a"], ["a"])
    assert [(item["index"], item["code"]) for item in body["rejected"]] == [(2, "id_reused")]
    assert Event.objects.count() == 1


def test_valid_items_are_kept_when_others_are_rejected(post_events):
    response = post_events({"events": [event("ok"), event("bad", type="nope"), "junk", event("late", timestamp="2000-01-01T00:00:00Z")]})
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == ["ok"]
    assert [(r["index"], r["id"], r["status"], r["code"]) for r in body["rejected"]] == [
        (1, "bad", 422, "unknown_type"), (2, None, 422, "invalid"), (3, "late", 422, "timestamp_out_of_window"),
    ]
    assert list(Event.objects.values_list("event_id", flat=True)) == ["ok"]


def test_a_batch_with_nothing_storable_is_a_422_listing_each_reason(post_events):
    response = post_events({"events": [event("x", properties={"plan": "pro"}), event("y", value="much")]})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [r["code"] for r in response.json()["rejected"]] == ["unknown_property", "invalid_value"]
    assert not Event.objects.exists()


def test_declared_types_and_properties_are_accepted_and_segments_checked(post_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        EventType.objects.create(name="signup", label="Sign-up", properties=[{"key": "plan", "type": "string"}])
        SegmentFactory(key="returning")
    response = post_events({"events": [
        event("s", type="signup", properties={"plan": "pro"}, segments=["returning"]),
        event("t", segments=["ghosts"]),
    ]})
    body = response.json()
    assert body["accepted"] == ["s"]
    assert body["rejected"][0]["code"] == "unknown_segment"
    assert Event.objects.get().properties == {"plan": "pro"}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400),
        ({"events": []}, "application/json", 400),
        ({"events": {}}, "application/json", 400),
        ([{"id": "a"}], "application/json", 400),
        ({"events": [], "more": 1}, "application/json", 400),
        ("events=1", "text/plain", 415),
        ({"events": [event(str(i)) for i in range(501)]}, "application/json", 413),
    ],
)
def test_whole_request_errors_are_problems(post_events, body, content_type, status):
    response = post_events(body, content_type=content_type)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]
    assert not Event.objects.exists()


def test_a_body_over_the_limit_is_a_413_by_its_declared_or_its_read_length(post_events, settings):
    settings.EVENTS_MAX_BODY_BYTES = 2_000
    body = json.dumps({"events": [event(str(i)) for i in range(30)]})
    assert post_events(body).status_code == 413
    # A Content-Length that understates the body: the read stops past the limit all the same.
    assert post_events(body, CONTENT_LENGTH="100").status_code in (400, 413)
    assert not Event.objects.exists()


def test_a_key_without_the_events_scope_is_refused(post_events, channel):
    delivery = api_key_create(channel=channel, name="delivery", scopes=["delivery"])[1]
    response = post_events({"events": [event("a")]}, key=delivery)
    assert response.status_code == 403
    assert "events" in response.json()["detail"]
    assert post_events({"events": [event("a")]}, key="tlr_nope_" + "x" * 30).status_code == 401


@pytest.fixture
def post_committed(post_events, django_capture_on_commit_callbacks):
    """post_events, its commit callbacks run: the outbox job that teaches profiles runs inline."""

    def post(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post_events(*args, **kwargs)

    return post


def test_without_behaviour_consent_the_visitor_id_is_not_stored_and_no_profile_learns(post_committed):
    post_events = post_committed
    profile_upsert(visitor_id="stored-yes", consent=["behaviour"])
    profile_upsert(visitor_id="stored-no", consent=["crm"])
    post_events({"events": [event("1", visitor_id="stored-yes"), event("2", visitor_id="stored-no"),
                            event("3", visitor_id="unknown")]})
    post_events({"events": [event("4", visitor_id="header-no")]}, HTTP_X_CONSENT="crm")
    post_events({"events": [event("5", visitor_id="stored-yes")]}, HTTP_X_CONSENT="")  # withdrawn by the banner
    post_events({"events": [event("6", visitor_id="header-yes")]}, HTTP_X_CONSENT="behaviour,crm")
    stored = dict(Event.objects.values_list("event_id", "visitor_id"))
    assert stored == {"1": "stored-yes", "2": None, "3": None, "4": None, "5": None, "6": "header-yes"}
    jobs = OutboxJob.objects.filter(handler="personalization.profiles.events_apply")
    learned = {visitor for job in jobs for visitor in job.kwargs["events"]}
    assert learned == {"stored-yes", "header-yes"}
    assert [e["name"] for e in VisitorProfile.objects.get(visitor_id="stored-yes").events] == ["click"]
    assert VisitorProfile.objects.get(visitor_id="stored-no").events == []
    assert not VisitorProfile.objects.filter(visitor_id__in=["unknown", "header-no"]).exists()


def test_no_ip_address_is_stored(post_events):
    address = "203.0.113.77"
    post_events({"events": [event("a")]}, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=address)
    row = Event.objects.values().get()
    assert address not in json.dumps(row, default=str)
    assert not {"ip", "ip_address", "remote_addr"} & set(row)


def test_a_retry_teaches_profiles_nothing_twice(post_committed):
    post_events = post_committed
    batch = {"events": [event("a", page=3)]}
    post_events(batch, HTTP_X_CONSENT="behaviour")
    post_events(batch, HTTP_X_CONSENT="behaviour")
    stored = VisitorProfile.objects.get(visitor_id="v-1").events
    assert len(stored) == 1 and stored[0]["target"] == "3"


def test_profiles_keep_the_latest_events_by_time(post_committed, monkeypatch):
    post_events = post_committed
    from personalization import profiles

    monkeypatch.setattr(profiles, "MAX_STORED_EVENTS", 3)
    now = datetime.now(timezone.utc)
    times = [now - timedelta(hours=h) for h in (1, 5, 2, 4, 3)]  # reported out of order
    post_events({"events": [event(str(i), timestamp=t.isoformat()) for i, t in enumerate(times)]}, HTTP_X_CONSENT="behaviour")
    kept = [e["at"] for e in VisitorProfile.objects.get(visitor_id="v-1").events]
    assert kept == [t.isoformat() for t in sorted(times)[-3:]]


def test_malformed_declared_properties_declare_nothing_and_break_nothing(post_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # as a shell or a bad import could leave them
        EventType.objects.create(name="odd", label="Odd", properties=[{"key": "a"}, "b", {"key": "c", "type": "date"},
                                                                      {"key": "d", "type": "number"}])
    response = post_events({"events": [event("1", type="odd", properties={"d": 2}), event("2", type="odd", properties={"a": 1})]})
    assert response.status_code == 200
    assert response.json()["accepted"] == ["1"]
    assert response.json()["rejected"][0]["code"] == "unknown_property"


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_are_405_problems(events_key, method):
    response = getattr(Client(enforce_csrf_checks=True), method)("/api/v2/events/", HTTP_AUTHORIZATION=f"Bearer {events_key}")
    assert (response.status_code, response["Content-Type"]) == (405, "application/problem+json")
    assert response["Allow"] == "POST, OPTIONS"
