"""POST /api/v2/feedback/: scoring on arrival, idempotency, per-item validation, scope, consent, the trait."""

import pytest

from cms.api.keys import api_key_create
from personalization.insight.models import Feedback, FeedbackSegment
from personalization.models import VisitorProfile
from personalization.profiles import profile_upsert
from tests.factories import SegmentFactory
from tests.insight.conftest import item

pytestmark = pytest.mark.django_db


def test_a_batch_is_scored_and_stored_and_a_retry_creates_nothing(post_feedback, channel):
    batch = {"feedback": [item("a", "I love the new app, brilliant!"), item("b", "Awful. The checkout is broken.", source="support", rating=1, rating_scale="1-5", language="EN")]}
    first = post_feedback(batch)
    assert first.status_code == 200, first.content
    assert first.json() == {"accepted": ["a", "b"], "duplicates": [], "rejected": []}
    assert post_feedback(batch).json() == {"accepted": [], "duplicates": ["a", "b"], "rejected": []}
    good, bad = Feedback.objects.get(external_id="a"), Feedback.objects.get(external_id="b")
    assert Feedback.objects.count() == 2
    assert (good.label, bad.label) == ("positive", "negative")
    assert good.score > 0.5 and bad.score < -0.5
    assert good.scored_by == "lexicon:vader-3.3.2"
    assert (bad.channel_id, bad.source, bad.rating, bad.rating_scale, bad.language) == (channel.pk, "support", 1, "1-5", "en")


def test_the_same_external_id_from_another_source_is_another_item(post_feedback):
    post_feedback({"feedback": [item("x")]})
    assert post_feedback({"feedback": [item("x", source="email")]}).json()["accepted"] == ["x"]
    assert Feedback.objects.count() == 2


def test_valid_items_are_kept_when_others_are_rejected(post_feedback, home):
    response = post_feedback({"feedback": [
        item("ok", page=home.pk), item("bad-source", source="fax"), "junk", item("rating", rating=7, rating_scale="1-5"),
        item("no-scale", rating=3), item("ghost-page", page=999_999), item("future", timestamp="2999-01-01T00:00:00Z"),
        item("extra", mood="sad"), {"text": "no id", "source": "survey", "timestamp": "2026-01-01T00:00:00Z"},
    ]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == ["ok"]
    assert [(r["index"], r["code"]) for r in body["rejected"]] == [
        (1, "invalid"), (2, "invalid"), (3, "invalid"), (4, "invalid"), (5, "unknown_page"),
        (6, "timestamp_out_of_window"), (7, "unknown_field"), (8, "missing"),
    ]
    assert list(Feedback.objects.values_list("external_id", "page_id")) == [("ok", home.pk)]


def test_nothing_storable_is_a_422_problem_and_bad_bodies_are_problems(post_feedback):
    response = post_feedback({"feedback": [item("x", text="   ")]})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["rejected"][0]["code"] == "invalid"
    assert post_feedback("{not json").status_code == 400
    assert post_feedback({"events": []}).status_code == 400
    assert post_feedback({"feedback": []}).status_code == 400
    assert post_feedback("text", content_type="text/plain").status_code == 415
    assert not Feedback.objects.exists()


def test_the_feedback_scope_is_required(post_feedback, channel):
    events_only = api_key_create(channel=channel, name="events", scopes=["events"])[1]
    response = post_feedback({"feedback": [item("x")]}, key=events_only)
    assert response.status_code == 403
    assert post_feedback({"feedback": [item("x")]}, key="tlr_nope_nope").status_code == 401
    assert not Feedback.objects.exists()


def test_segments_are_checked_and_stored_as_rows(post_feedback, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        SegmentFactory(key="returning")
    body = post_feedback({"feedback": [item("s", segments=["returning"]), item("t", segments=["ghosts"])]}).json()
    assert body["accepted"] == ["s"] and body["rejected"][0]["code"] == "unknown_segment"
    assert list(FeedbackSegment.objects.values_list("segment_key", "feedback__external_id")) == [("returning", "s")]


def test_without_consent_the_text_is_kept_without_its_ids(post_feedback):
    profile_upsert(visitor_id="v-consenting", consent=["behaviour"])
    profile_upsert(visitor_id="v-refusing", consent=[])
    post_feedback({"feedback": [
        item("1", visitor_id="v-consenting", customer_id="c-1"),
        item("2", visitor_id="v-refusing", customer_id="c-2"),
        item("3", visitor_id="v-unknown", customer_id="c-3"),
        item("4", customer_id="c-4"),
    ]})
    stored = dict(Feedback.objects.values_list("external_id", "customer_id"))
    assert stored == {"1": "c-1", "2": "", "3": "", "4": ""}
    assert set(Feedback.objects.exclude(visitor_id="").values_list("visitor_id", flat=True)) == {"v-consenting"}


def test_the_consent_header_speaks_for_the_request(post_feedback):
    profile_upsert(visitor_id="v-1", consent=["behaviour", "crm"])
    post_feedback({"feedback": [item("1", visitor_id="v-1", customer_id="c-1")]}, HTTP_X_CONSENT="")
    post_feedback({"feedback": [item("2", visitor_id="v-2", customer_id="c-2")]}, HTTP_X_CONSENT="crm")
    assert dict(Feedback.objects.values_list("external_id", "customer_id")) == {"1": "", "2": "c-2"}


def test_feedback_of_crm_consenting_visitors_becomes_their_sentiment_trait(post_feedback, django_capture_on_commit_callbacks):
    profile_upsert(visitor_id="v-crm", consent=["behaviour", "crm"])
    profile_upsert(visitor_id="v-behaviour", consent=["behaviour"])
    with django_capture_on_commit_callbacks(execute=True):
        post_feedback({"feedback": [
            item("1", "Terrible, the app crashes and support is useless.", visitor_id="v-crm"),
            item("2", "Great service, thanks!", visitor_id="v-crm"),
            item("3", "Terrible, awful, broken.", visitor_id="v-behaviour"),
        ]})
    scores = dict(Feedback.objects.filter(visitor_id="v-crm").values_list("external_id", "score"))
    crm = VisitorProfile.objects.get(visitor_id="v-crm").traits
    assert crm["sentiment"] == pytest.approx((scores["1"] + scores["2"]) / 2, abs=0.001)
    assert "sentiment" not in VisitorProfile.objects.get(visitor_id="v-behaviour").traits


def test_erasing_a_customer_deletes_their_feedback_and_later_feedback_keeps_no_id(post_feedback):
    from personalization.customers.erasure import erase

    profile_upsert(visitor_id="v-1", consent=["crm"])
    post_feedback({"feedback": [item("1", visitor_id="v-1", customer_id="c-1"), item("2")]})
    assert erase("v-1")["feedback"] == 1
    assert list(Feedback.objects.values_list("external_id", flat=True)) == ["2"]
    # Feedback still arriving for the erased id is kept without it, whatever consent it claims.
    post_feedback({"feedback": [item("3", visitor_id="v-1", customer_id="c-1")]}, HTTP_X_CONSENT="crm,behaviour")
    assert Feedback.objects.get(external_id="3").visitor_id == ""


def test_the_periodic_task_drops_the_trait_when_feedback_ages_out(post_feedback, django_capture_on_commit_callbacks):
    from datetime import datetime, timedelta, timezone

    from personalization.insight.tasks import sentiment_traits_maintain_task

    profile_upsert(visitor_id="v-1", consent=["crm"])
    old = (datetime.now(timezone.utc) - timedelta(days=31)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        post_feedback({"feedback": [item("1", "Wonderful!", visitor_id="v-1", timestamp=old)]})
    VisitorProfile.objects.filter(visitor_id="v-1").update(traits={"sentiment": 0.6, "tier": "gold"})  # as if set last month
    assert sentiment_traits_maintain_task.apply().get() == 1
    assert VisitorProfile.objects.get(visitor_id="v-1").traits == {"tier": "gold"}
