"""Exposures and the experiments' daily figures: first exposure wins, known events give known sums.

These run on the configured database: SQLite builds the rows in Python, PostgreSQL in one SQL
statement per metric; both must give the figures worked out by hand below.
"""

from __future__ import annotations

from datetime import date

import pytest

from personalization.events.models import Event
from personalization.experiments.aggregation import ExperimentArmDay, experiment_aggregate, experiments_aggregate
from personalization.experiments.exposures import ExperimentExposure
from personalization.experiments import spec as spec_module
from personalization.experiments.spec import ResultsSpec, results_spec_provider_register
from personalization.events.tasks import experiments_aggregate_task
from tests.helpers.experiments import NOW, SPEC, START, at, event

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


def test_the_periodic_task_aggregates_every_registered_experiment(experiment, monkeypatch):
    monkeypatch.setattr(spec_module, "_providers", [])
    results_spec_provider_register(_hero_spec)
    results_spec_provider_register(_hero_spec)
    assert spec_module.results_specs() == [SPEC]
    result = experiments_aggregate_task.apply().get()
    assert result["experiments"] >= 1
    assert ExperimentArmDay.objects.filter(experiment="hero-test", metric=SPEC.goal.key).exists()
    assert experiments_aggregate([], now=NOW) == {"experiments": 0, "rows": 0}


def _hero_spec():
    return [SPEC]
