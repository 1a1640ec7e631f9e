"""Segment membership: the diff records entries and exits, signed batched webhooks reach a real receiver,
and the members endpoint pages through current members with the traits that put them there."""

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest
from django.test import override_settings

from cms.models import OutboxJob, Webhook
from cms.outbox import outbox_run
from personalization.customers.membership import membership_diff, membership_diff_soon
from personalization.models import Segment, SegmentMembership, TraitDefinition, VisitorProfile
from personalization.profiles import profile_upsert
from personalization.tasks import membership_diff_full_task, membership_diff_task
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db
GOLD = {"attribute": "trait.plan", "operator": "equals", "value": "gold"}
SECRET = "membership-secret"


@pytest.fixture
def gold(django_capture_on_commit_callbacks):
    TraitDefinition.objects.create(name="plan", type="string")
    TraitDefinition.objects.create(name="city", type="string")
    with django_capture_on_commit_callbacks(execute=True):
        return SegmentFactory(key="gold", definition={"all": [GOLD]})


def changes_received(receiver) -> list[tuple]:
    return sorted(
        (change["segment"], change["change"], change["visitor_id"])
        for request in receiver.requests for change in request.json["data"]["changes"]
    )


def test_entries_and_exits_are_recorded_and_sent_signed_in_batches(gold, receiver, django_capture_on_commit_callbacks):
    Webhook.objects.create(name="crm", url=receiver.url, secret=SECRET, events=["segment.membership"])
    Webhook.objects.create(name="frontend, every event", url=receiver.url + "/frontend", secret=SECRET)
    for n in range(5):
        profile_upsert(visitor_id=f"v-{n}", consent=["crm"], traits={"plan": "gold"})
    profile_upsert(visitor_id="no-consent", consent=[], traits={"plan": "gold"})
    with override_settings(MEMBERSHIP_WEBHOOK_BATCH=2), django_capture_on_commit_callbacks(execute=True):
        totals = membership_diff()
    assert (totals["profiles"], totals["entered"], totals["left"], totals["batches"]) == (6, 5, 0, 3)
    assert changes_received(receiver) == [("gold", "entered", f"v-{n}") for n in range(5)]
    # only the webhook that opted in: personal data never reaches an "all events" hook
    assert {request.path for request in receiver.requests} == {"/"}
    request = receiver.requests[0]
    expected = hmac.new(SECRET.encode(), f"{request.headers['Tailor-Timestamp']}.".encode() + request.body,
                        hashlib.sha256).hexdigest()
    assert request.headers["Tailor-Signature"] == f"sha256={expected}"
    assert request.headers["Tailor-Event"] == "segment.membership"
    # v-0 leaves; a second run with no change sends nothing
    profile_upsert(visitor_id="v-0", traits={"plan": "free"})
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert membership_diff()["left"] == 1
        assert membership_diff()["entered"] == membership_diff()["left"] == 0
    assert changes_received(receiver) == [("gold", "left", "v-0")]
    stay = SegmentMembership.objects.get(profile__visitor_id="v-0")
    assert stay.left_at is not None and stay.entered_at <= stay.left_at
    # coming back opens a new stay: the history keeps both
    profile_upsert(visitor_id="v-0", traits={"plan": "gold"})
    membership_diff(notify=False)
    assert SegmentMembership.objects.filter(profile__visitor_id="v-0").count() == 2


def test_the_incremental_diff_reads_only_profiles_changed_since_the_last_run(gold):
    for n in range(3):
        profile_upsert(visitor_id=f"v-{n}", consent=["crm"], traits={"plan": "gold"})
    membership_diff(notify=False)
    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    VisitorProfile.objects.update(updated_at=long_ago)
    profile_upsert(visitor_id="v-1", traits={"plan": "free"})
    totals = membership_diff_task.apply().get()
    assert (totals["profiles"], totals["left"]) == (1, 1)
    assert membership_diff_full_task.apply().get()["profiles"] == 3


def test_a_segment_no_longer_live_is_left_by_all_its_members(gold, django_capture_on_commit_callbacks):
    profile_upsert(visitor_id="v-1", consent=["crm"], traits={"plan": "gold"})
    membership_diff(notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        Segment.objects.get(key="gold").unpublish()
    assert membership_diff(notify=False)["left"] == 1
    assert not SegmentMembership.objects.filter(left_at__isnull=True).exists()


def test_a_diff_is_asked_for_through_the_outbox_once_at_a_time(gold):
    profile_upsert(visitor_id="v-1", consent=["crm"], traits={"plan": "gold"})
    membership_diff_soon()
    membership_diff_soon()
    pending = OutboxJob.objects.filter(key="segment-membership-diff", done_at__isnull=True)
    assert pending.count() == 1
    assert outbox_run(pending.get().pk)
    assert SegmentMembership.objects.filter(profile__visitor_id="v-1", segment="gold").exists()


def test_members_are_paged_with_the_traits_that_put_them_there(gold, crm):
    for n in range(5):
        profile_upsert(visitor_id=f"v-{n}", consent=["crm"], traits={"plan": "gold", "city": "Oslo", "age": 40})
    membership_diff(notify=False)
    seen, after, pages = [], None, 0
    while True:
        response = crm.get("segments/gold/members/?limit=2" + (f"&after={after}" if after else ""))
        assert response.status_code == 200, response.content
        body = response.json()
        pages += 1
        seen += [member["visitor_id"] for member in body["results"]]
        assert all(member["traits"] == {"plan": "gold"} for member in body["results"])
        after = body["next"]
        if after is None:
            break
    assert (sorted(seen), pages) == ([f"v-{n}" for n in range(5)], 3)


@pytest.mark.parametrize(("query", "status"), [("?limit=0", 400), ("?limit=501", 400), ("?after=x", 400), ("?page=2", 400)])
def test_bad_members_queries_are_problems(gold, crm, query, status):
    response = crm.get(f"segments/gold/members/{query}")
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_members_of_an_unknown_segment_is_a_404(crm):
    assert crm.get("segments/nope/members/").status_code == 404


def test_the_periodic_diffs_are_scheduled_by_name(settings):
    from config.celery import app

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {membership_diff_task.name, membership_diff_full_task.name} <= schedule
    app.loader.import_default_modules()  # as beat and the embedded scheduler find tasks by name
    assert {membership_diff_task.name, membership_diff_full_task.name} <= set(app.tasks)
