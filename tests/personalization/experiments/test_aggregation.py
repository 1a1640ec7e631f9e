"""Exposures and the experiments' daily figures: first exposure wins, known events give known sums.

These run on the configured database: SQLite builds the rows in Python, PostgreSQL in one SQL
statement per metric; both must give the figures worked out by hand below.
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from personalization.events.models import Event
from personalization.experiments.aggregation import ExperimentArmDay, experiment_aggregate, experiments_aggregate
from personalization.experiments.exposures import ExperimentExposure
from personalization.experiments import spec as spec_module
from personalization.experiments.spec import ResultsSpec, results_spec_provider_register
from personalization.events.tasks import experiments_aggregate_task
from personalization.experiments.exposures import record_exposures
from tests.helpers.experiments import NOW, SPEC, START, at, event
from tests.helpers.processes import python

pytestmark = pytest.mark.django_db


def figures(metric: str) -> dict[tuple[str, date], tuple]:
    rows = ExperimentArmDay.objects.filter(experiment="hero-test", metric=metric)
    return {(r.arm, r.day): (r.n, r.total, r.total_sq, r.pre_total, r.pre_total_sq, r.cross_total) for r in rows}


def test_the_first_exposure_wins_and_an_earlier_one_reported_late_replaces_it(experiment):
    rows = {v: (arm, first) for v, arm, first in ExperimentExposure.objects.filter(experiment="hero-test")
            .values_list("visitor_id", "arm", "first_at")}
    assert rows["v1"] == ("control", at(1, 10))
    assert rows["v3"] == ("treat", at(1, 7))
    assert ExperimentExposure.objects.filter(experiment="other-test").count() == 1
    # Visitors without consent have no id: nobody to follow, nothing stored.
    assert record_exposures([("hero-test", "treat", "", 1, at(1, 1)), ("hero-test", "treat", None, 1, at(1, 1))]) == 0
    assert record_exposures([("hero-test", "treat", "v9", 1, at(1, 1))] * 3) == 1
    assert ExperimentExposure.objects.filter(experiment="hero-test").count() == 6


def test_conversions_count_from_each_visitors_first_exposure_day_by_day(experiment):
    experiment_aggregate(SPEC, now=NOW)
    days = [date(2026, 3, d) for d in (1, 2, 3, 4)]
    got = figures(SPEC.goal.key)
    assert set(got) == {(arm, day) for arm in ("control", "treat") for day in days}
    # n, conversions, Σy², converted before exposure (x), Σx², Σxy
    assert [got[("control", d)] for d in days] == [
        (1, 0, 0, 1, 1, 0), (2, 1, 1, 1, 1, 1), (2, 1, 1, 1, 1, 1), (2, 1, 1, 1, 1, 1)]
    assert [got[("treat", d)] for d in days] == [
        (1, 1, 1, 0, 0, 0), (1, 1, 1, 0, 0, 0), (2, 1, 1, 1, 1, 0), (2, 1, 1, 1, 1, 0)]


def test_a_mean_goal_sums_values_and_its_covariate_is_the_14_days_before_exposure(experiment):
    experiment_aggregate(SPEC, now=NOW)
    got = figures("mean:purchase::")
    # control: v1 spends 10 on the 2nd and 5 on the 3rd; v2 (from the 2nd) spent 3 in the pre-period.
    assert got[("control", date(2026, 3, 1))] == (1, 0, 0, 0, 0, 0)
    assert got[("control", date(2026, 3, 2))] == (2, 10, 100, 3, 9, 0)
    assert got[("control", date(2026, 3, 4))] == (2, 15, 225, 3, 9, 0)
    assert got[("treat", date(2026, 3, 4))] == (2, 7, 49, 0, 0, 0)


def test_a_goal_on_a_page_counts_only_that_pages_events(experiment):
    Event.objects.bulk_create([event("v2", at(3, 9), page_id=7), event("v4", at(4, 9), page_id=8)])
    spec = ResultsSpec(experiment="hero-test", arms=[("control", 1), ("treat", 1)], control="control",
                       goal_type="conversion", goal_page_id=7, start=START)
    experiment_aggregate(spec, now=NOW)
    got = figures(spec.goal.key)
    assert got[("control", date(2026, 3, 4))][:2] == (2, 1)
    assert got[("treat", date(2026, 3, 4))][:2] == (2, 0)


def test_the_end_of_the_experiment_bounds_days_and_conversions(experiment):
    spec = ResultsSpec(experiment="hero-test", arms=[("control", 1), ("treat", 1)], control="control",
                       goal_type="conversion", start=START, end=at(2, 11))
    experiment_aggregate(spec, now=NOW)
    got = figures(spec.goal.key)
    assert {day for _, day in got} == {date(2026, 3, 1), date(2026, 3, 2)}
    # v1 converted at 12:00 on the 2nd, after the end; v2 was exposed before it.
    assert got[("control", date(2026, 3, 2))][:2] == (2, 0)


def test_rebuilding_is_idempotent_and_counts_late_events(experiment):
    experiment_aggregate(SPEC, now=NOW)
    before = figures(SPEC.goal.key)
    assert experiment_aggregate(SPEC, now=NOW) == 16
    assert figures(SPEC.goal.key) == before
    Event.objects.bulk_create([event("v2", at(3, 20))])
    experiment_aggregate(SPEC, now=NOW)
    assert figures(SPEC.goal.key)[("control", date(2026, 3, 3))][:2] == (2, 2)


def test_the_periodic_task_aggregates_every_registered_experiment(experiment, monkeypatch, settings):
    assert settings.CELERY_BEAT_SCHEDULE["experiments-aggregate"] == {
        "task": "personalization.experiments_aggregate", "schedule": settings.EXPERIMENTS_AGGREGATION_SECONDS,
    }
    # A fresh process finds the task the way a worker and the embedded scheduler do.
    found = python("-c", "import django; django.setup(); from config.celery import app; "
                         "app.loader.import_default_modules(); "
                         "print(app.tasks['personalization.experiments_aggregate'].name)")
    assert found.stdout.strip() == "personalization.experiments_aggregate", found.stderr
    monkeypatch.setattr(spec_module, "_providers", [])
    results_spec_provider_register(_hero_spec)
    results_spec_provider_register(_hero_spec)
    assert spec_module.results_specs() == [SPEC]
    result = experiments_aggregate_task.apply().get()
    assert result["experiments"] >= 1
    assert ExperimentArmDay.objects.filter(experiment="hero-test", metric=SPEC.goal.key).exists()
    assert experiments_aggregate([], now=NOW) == {"experiments": 0, "rows": 0}

    out = StringIO()
    call_command("aggregate_experiments", stdout=out, stderr=StringIO())
    rows = ExperimentArmDay.objects.filter(experiment="hero-test").count()
    assert out.getvalue().strip() == f"Rebuilt 1 experiment(s): {rows} daily arm rows."


def _hero_spec():
    return [SPEC]


def _brute_force(spec: ResultsSpec, exposures: dict, events: list, days: list[date]) -> dict:
    """Every day's figures straight from the definitions: each visitor's metric recomputed per day."""
    from datetime import UTC, datetime, time, timedelta

    expected = {}
    for metric in spec.metrics:
        for day in days:
            day_end = min(datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC), NOW)
            for arm in spec.arm_keys:
                sums = [0, 0.0, 0.0, 0.0, 0.0, 0.0]
                for visitor, (visitor_arm, first) in exposures.items():
                    if visitor_arm != arm or first >= day_end:
                        continue
                    mine = [(at, value) for v, type_, at, value in events if v == visitor and type_ == metric.event_type]
                    post = [value for at, value in mine if first <= at < day_end]
                    pre = [value for at, value in mine if first - timedelta(days=14) <= at < first]
                    y = float(bool(post)) if metric.kind == "binomial" else sum(post)
                    x = float(bool(pre)) if metric.kind == "binomial" else sum(pre)
                    for index, term in enumerate((1, y, y * y, x, x * x, x * y)):
                        sums[index] += term
                expected[(metric.key, arm, day)] = tuple(sums)
    return expected


def test_random_exposures_and_events_give_the_figures_recomputed_from_their_definitions():
    import random
    from datetime import timedelta

    rng = random.Random(4)
    exposures, events, rows = {}, [], []
    for index in range(60):
        visitor, arm = f"r{index}", rng.choice(["control", "treat"])
        first = START + timedelta(minutes=rng.randrange(3 * 24 * 60))
        exposures[visitor] = (arm, first)
        rows.append(("hero-test", arm, visitor, 1, first))
        for _ in range(rng.randrange(5)):
            type_ = rng.choice(["conversion", "purchase"])
            when = first + timedelta(minutes=rng.randrange(-16 * 24 * 60, 3 * 24 * 60))
            value = f"{rng.randrange(1, 5000) / 100:.2f}" if type_ == "purchase" else None
            events.append((visitor, type_, when, float(value or 0)))
    record_exposures(rows)
    Event.objects.bulk_create([event(v, when, type_=t, value=f"{value:.2f}" if t == "purchase" else None)
                               for v, t, when, value in events])
    experiment_aggregate(SPEC, now=NOW)
    got = {(r.metric, r.arm, r.day): (r.n, r.total, r.total_sq, r.pre_total, r.pre_total_sq, r.cross_total)
           for r in ExperimentArmDay.objects.filter(experiment="hero-test")}
    days = [date(2026, 3, d) for d in (1, 2, 3, 4)]
    expected = _brute_force(SPEC, exposures, events, days)
    assert set(got) == set(expected)
    for key, sums in expected.items():
        assert got[key] == pytest.approx(sums, rel=1e-9, abs=1e-9), key
    # Not a vacuous match: visitors converted after and before exposure, and spent with history.
    last = [got[(SPEC.goal.key, arm, days[-1])] for arm in ("control", "treat")]
    assert sum(f[1] for f in last) >= 3 and sum(f[3] for f in last) >= 3
    assert sum(got[("mean:purchase::", arm, days[-1])][5] for arm in ("control", "treat")) > 0
