"""Profiles learn from events: a "did X within N days" segment matches the visitor on their next request."""

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from tests.factories import LandingPageFactory, SegmentFactory
from tests.factories.personalised import personalised_block
from tests.personalization.events.conftest import event

pytestmark = pytest.mark.django_db

CONVERTED = {"attribute": "events", "operator": "done_within_days", "value": {"event": "conversion", "days": 7}}
CLICKED_HERO = {"attribute": "events", "operator": "done_within_days",
                "value": {"event": "click", "target": "spring-hero", "days": 7}}


@pytest.fixture
def landing(home, channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        converted = SegmentFactory(key="converted", priority=10, definition=CONVERTED)
        clicked = SegmentFactory(key="clicked-hero", priority=20, definition=CLICKED_HERO)
    return LandingPageFactory(parent=home, title="Offer", body=[
        personalised_block("hero", "Buy now", [([converted], [], "Thanks for buying"), ([clicked], [], "Still curious?")]),
    ])


def hero(landing, key: str, visitor: str) -> str:
    response = Client().get(f"/api/v2/pages/{landing.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}",
                            HTTP_X_VISITOR_ID=visitor, HTTP_X_CONSENT="behaviour")
    assert response.status_code == 200, response.content
    return response.json()["body"][0]["value"]["content"][0]["value"]


@pytest.mark.parametrize(
    ("reported", "shown"),
    [
        (event("c", type="conversion", visitor_id="buyer", value=49.0), "Thanks for buying"),
        (event("k", visitor_id="buyer", slot="spring-hero"), "Still curious?"),  # target = the placement
        (event("k", visitor_id="buyer", slot="other-slot"), "Buy now"),
    ],
)
def test_an_event_posted_decides_the_visitor_s_next_request(
    landing, channel, post_events, django_capture_on_commit_callbacks, reported, shown
):
    key = api_key_create(channel=channel, name="delivery", scopes=["delivery"])[1]
    assert hero(landing, key, "buyer") == "Buy now"  # and the profile read is cached now
    with django_capture_on_commit_callbacks(execute=True):
        assert post_events({"events": [reported]}, HTTP_X_CONSENT="behaviour").status_code == 200
    assert hero(landing, key, "buyer") == shown


def test_without_consent_an_event_changes_nothing(landing, channel, post_events, django_capture_on_commit_callbacks):
    key = api_key_create(channel=channel, name="delivery", scopes=["delivery"])[1]
    with django_capture_on_commit_callbacks(execute=True):
        post_events({"events": [event("c", type="conversion", visitor_id="shy")]})
    assert hero(landing, key, "shy") == "Buy now"


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_through_a_real_worker_the_rule_matches_within_seconds(landing, channel, events_key, tmp_path):
    """The outbox hands the learning job to a Celery worker on Redis; the next requests see it land."""
    from django.conf import settings

    from tests.helpers.celery import celery_broker, celery_worker, unique_queue, wait_until

    key = api_key_create(channel=channel, name="delivery", scopes=["delivery"])[1]
    assert hero(landing, key, "buyer") == "Buy now"
    queue = unique_queue()
    with celery_broker(settings.TEST_BROKER_URL, queue):
        with celery_worker(settings.TEST_BROKER_URL, queue, tmp_path / "worker.log") as worker:
            posted = Client().post(
                "/api/v2/events/", {"events": [event("c", type="conversion", visitor_id="buyer")]},
                content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {events_key}", HTTP_X_CONSENT="behaviour",
            )
            assert posted.status_code == 200, posted.content
            wait_until(lambda: hero(landing, key, "buyer") == "Thanks for buying", timeout=20, message=worker.log)
