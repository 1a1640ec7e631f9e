"""The demo's personalisation, seeded on top of the demo hub, and the `seed_demo` command that seeds both."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client

from cms.demo import demo_seed
from cms.models import LandingPage
from personalization.demo import SPRING_SLUG, demo_personalisation_counts, demo_personalisation_seed
from personalization.events.demo import DAYS, DROP_DAYS, DROP_SEGMENT
from personalization.events.models import Event, EventRollup
from personalization.models import Segment

pytestmark = pytest.mark.django_db


def _spring_slots() -> list:
    return [child.value for child in LandingPage.objects.get(slug=SPRING_SLUG).body if child.block_type == "personalised"]


def test_seeding_twice_gives_the_same_personalisation_and_reset_starts_over():
    demo_seed()
    first = demo_personalisation_seed()
    events = Event.objects.count()
    assert first == {"feedback items": 2875, "segments": 6, "placements": 1, "experiments": 1, "visitor profiles": 200}
    assert demo_personalisation_seed() == first
    assert len(_spring_slots()) == 1  # not one more per run
    Segment.objects.filter(key="gold-members").update(name="Gold (edited)")
    assert demo_personalisation_seed(reset=True) == first == demo_personalisation_counts()
    assert Segment.objects.get(key="gold-members").name == "Gold members"
    # The spring page's hero chooses among the seeded segments.
    [slot] = _spring_slots()
    named = {segment.key for variant in slot["variants"] for segment in variant["segments"]}
    assert named == {"gold-members", "mobile-returning", "first-visit"}
    assert LandingPage.objects.get(slug=SPRING_SLUG).live
    assert Event.objects.count() == events  # the demo's events are written once


def test_seed_demo_seeds_the_hub_and_its_personalisation_and_prints_a_working_key(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", "--port", "8123", stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert "6 segments" in text and "4 channels" in text
    key = text.split("Demo API key (web channel; delivery, preview, events):\n")[1].split()[0]
    spring = LandingPage.objects.get(slug=SPRING_SLUG)
    response = Client().get(f"/api/v2/pages/{spring.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_DEVICE="mobile")
    assert response.status_code == 200
    assert response.json()["body"][0]["value"]["slot"] == "spring-hero"


def day_totals(segment: str, type_: str, since, until) -> int:
    rows = EventRollup.objects.filter(segment=segment, type=type_, bucket__gte=since, bucket__lt=until)
    return rows.aggregate(total=Sum("count"))["total"] or 0


def test_demo_events_are_rolled_up_with_growth_and_a_drop_in_one_segment():
    demo_seed()
    demo_personalisation_seed()
    events = Event.objects.count()
    assert 100_000 <= events <= 200_000
    assert EventRollup.objects.filter(segment="").aggregate(total=Sum("count"))["total"] == events
    assert set(Event.objects.values_list("type", flat=True).distinct()) == {"view", "impression", "click", "conversion"}
    assert Event.objects.filter(type="conversion", value__isnull=True).count() == 0

    last = EventRollup.objects.latest("bucket").bucket
    first = last - timedelta(days=DAYS - 1)
    drop_start = last - timedelta(days=DROP_DAYS - 1)
    assert EventRollup.objects.earliest("bucket").bucket == first
    before, after, end = first, drop_start, last + timedelta(days=1)

    def click_through(segment: str, since, until) -> float:
        return day_totals(segment, "click", since, until) / day_totals(segment, "impression", since, until)

    # Traffic grows: the last month has more impressions than the first.
    month = timedelta(days=30)
    assert day_totals("", "impression", end - month, end) > 1.25 * day_totals("", "impression", first, first + month)
    # One segment's click-through falls by more than half in the last weeks; the others hold.
    for segment in Segment.objects.values_list("key", flat=True):
        ratio = click_through(segment, after, end) / click_through(segment, before, after)
        if segment == DROP_SEGMENT:
            assert ratio < 0.5, (segment, ratio)
        else:
            assert 0.7 < ratio < 1.4, (segment, ratio)


def test_the_demo_runs_an_experiment_on_the_spring_hero_with_results_and_arms_in_the_api(
    settings, django_capture_on_commit_callbacks
):
    from cms.api.keys import api_key_create
    from cms.models import Channel
    from personalization.experiments.demo import DEMO_KEY
    from personalization.experiments.model_specs import results_spec
    from personalization.experiments.results import experiment_results
    from personalization.models import Experiment

    demo_seed()
    with django_capture_on_commit_callbacks(execute=True):
        demo_personalisation_seed()
    experiment = Experiment.objects.get(key=DEMO_KEY)
    assert experiment.is_running()
    report = experiment_results(results_spec(experiment))
    assert [arm.key for arm in report.analysis.arms] == ["control", "free-shipping"]
    assert sum(arm.n for arm in report.analysis.arms) == 6000 and report.analysis.enough_data
    assert report.series  # the charts have days to draw

    key = api_key_create(channel=Channel.objects.get(slug="web"), name="tour", scopes=["delivery"])[1]
    spring = LandingPage.objects.get(slug=SPRING_SLUG)
    response = Client().get(f"/api/v2/pages/{spring.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_VISITOR_ID="tour-visitor")
    arm = response.json()["meta"]["personalization"]["experiments"][DEMO_KEY]
    assert arm["reason"] == "arm" and arm["arm"] in ("control", "free-shipping")
