"""Exposures: counted server-side when an arm's content is served (buffered, written by the flusher's
call), and from events that carry experiment and arm; the results page and CSV read them back."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client
from django.urls import reverse

from cms.api.keys import api_key_create
from cms.roles import MARKETERS
from personalization.engine import ExperimentSpec, assign
from personalization.events.served import served_flush
from personalization.experiments.aggregation import experiment_aggregate
from personalization.experiments.exposure_buffer import exposures_flush
from personalization.experiments.model_specs import results_spec
from personalization.experiments.exposures import ExperimentExposure
from personalization.models import Event
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory, UserFactory
from tests.factories.experiments import experiment_create
from tests.factories.personalised import personalised_block

pytestmark = pytest.mark.django_db

SPEC = ExperimentSpec(key="hero-test", arms=(("control", 50.0), ("b", 50.0)), control="control")


@pytest.fixture
def hub(home, django_capture_on_commit_callbacks):
    web = ChannelFactory(slug="web")
    with django_capture_on_commit_callbacks(execute=True):
        mobile = SegmentFactory(key="mobile")
    landing = LandingPageFactory(parent=home, title="Spring offer", body=[
        personalised_block("hero", "Default offer", [([mobile], [], "Mobile offer"), ([], [], "Bold offer")]),
    ])
    with django_capture_on_commit_callbacks(execute=True):
        experiment = experiment_create(page=landing, arms=(("control", None, 50), ("b", 2, 50)), min_sample=1)
    keys = {scope: api_key_create(channel=web, name=scope, scopes=[scope])[1] for scope in ("delivery", "events")}
    return {"landing": landing, "web": web, "keys": keys, "experiment": experiment}


def read(hub, visitor, consent="behaviour"):
    return Client().get(
        f"/api/v2/pages/{hub['landing'].pk}/", HTTP_AUTHORIZATION=f"Bearer {hub['keys']['delivery']}",
        HTTP_X_VISITOR_ID=visitor, HTTP_X_CONSENT=consent,
    )


def exposures() -> dict[str, str]:
    return dict(ExperimentExposure.objects.values_list("visitor_id", "arm"))


def test_served_arms_are_buffered_then_written_once_per_visitor(hub):
    visitors = [f"visitor-{n}" for n in range(6)]
    for visitor in visitors:
        read(hub, visitor)
        read(hub, visitor)  # a cache hit: still served, still the first exposure only

    assert exposures() == {}  # nothing written on the request path
    assert exposures_flush() == len(visitors)
    assert exposures() == {visitor: assign(SPEC, visitor, ()).arm for visitor in visitors}
    assert exposures_flush() == 0
    assert set(ExperimentExposure.objects.values_list("channel_id", flat=True)) == {hub["web"].pk}


def test_served_impressions_and_exposures_are_flushed_independently(hub):
    read(hub, "visitor-1")
    served_flush()
    assert exposures() == {}
    exposures_flush()
    assert "visitor-1" in exposures()


def test_without_consent_no_exposure_keeps_the_visitor_id(hub):
    read(hub, "visitor-1", consent="")
    assert exposures_flush() == 0


def test_events_with_an_arm_of_a_running_experiment_record_an_exposure(hub):
    now = datetime.now(timezone.utc)
    events = [
        {"id": "e1", "type": "impression", "visitor_id": "v-app", "timestamp": now.isoformat(),
         "experiment": "hero-test", "arm": "b"},
        {"id": "e2", "type": "impression", "visitor_id": "v-forged", "timestamp": now.isoformat(),
         "experiment": "hero-test", "arm": "invented"},
        {"id": "e3", "type": "impression", "visitor_id": "v-other", "timestamp": now.isoformat(),
         "experiment": "no-such-test", "arm": "b"},
    ]
    response = Client().post(
        "/api/v2/events/", json.dumps({"events": events}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hub['keys']['events']}", HTTP_X_CONSENT="behaviour",
    )
    assert response.status_code == 200
    assert exposures() == {"v-app": "b"}


def test_the_results_page_shows_the_arms_warnings_and_exports_csv(hub):
    now = datetime.now(timezone.utc)
    rows = [(f"v{n}", "control" if n % 4 else "b") for n in range(400)]  # 300 / 100 against 50 / 50: an SRM
    ExperimentExposure.objects.bulk_create([
        ExperimentExposure(experiment="hero-test", arm=arm, visitor_id=v, first_at=now - timedelta(hours=3), channel_id=hub["web"].pk)
        for v, arm in rows
    ])
    Event.objects.bulk_create([
        Event(channel_id=hub["web"].pk, event_id=f"c{n}", type="conversion", visitor_id=v,
              occurred_at=now - timedelta(hours=1), received_at=now - timedelta(hours=1))
        for n, (v, arm) in enumerate(rows) if n % 3 == 0
    ])
    experiment_aggregate(results_spec(hub["experiment"]), now=now)
    client = Client()
    client.force_login(UserFactory(username="marketer", role=MARKETERS))

    page = client.get(reverse("wagtailsnippets_personalization_experiment:results", args=[hub["experiment"].pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-warning="srm"' in html
    assert [row["key"] for row in page.context["rows"]] == ["control", "b"]
    assert [row["n"] for row in page.context["rows"]] == [300, 100]
    assert page.context["charts"]["arms"][0]["key"] == "control"
    csv = client.get(reverse("wagtailsnippets_personalization_experiment:results_csv", args=[hub["experiment"].pk]))
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0].startswith("day,metric,arm")
    assert any(",control," in line for line in lines[1:])


def test_stale_results_warn_and_name_no_winner(hub, settings):
    now = datetime.now(timezone.utc)
    ExperimentExposure.objects.bulk_create([
        ExperimentExposure(experiment="hero-test", arm="b" if n % 2 else "control", visitor_id=f"v{n}",
                           first_at=now - timedelta(days=2), channel_id=hub["web"].pk)
        for n in range(1000)
    ])
    Event.objects.bulk_create([
        Event(channel_id=hub["web"].pk, event_id=f"c{n}", type="conversion", visitor_id=f"v{n}",
              occurred_at=now - timedelta(days=2) + timedelta(hours=1), received_at=now - timedelta(days=2))
        for n in range(1000) if n % 4 == 1 or n % 10 == 0  # b converts half its visitors, control a fifth
    ])
    # computed a day ago: more than three aggregation runs missed since
    experiment_aggregate(results_spec(hub["experiment"]), now=now - timedelta(days=1))
    client = Client()
    client.force_login(UserFactory(username="marketer", role=MARKETERS))

    page = client.get(reverse("wagtailsnippets_personalization_experiment:results", args=[hub["experiment"].pk]))

    html = page.content.decode()
    assert page.context["report"].analysis.winner == "b"  # the figures alone would name one
    assert 'data-warning="stale"' in html and "data-results-winner" not in html
