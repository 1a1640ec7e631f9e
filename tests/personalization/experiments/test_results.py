"""experiment_results: the latest day analysed, guardrails, the daily series and CSV rows, in one query."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from personalization.experiments.aggregation import ExperimentArmDay, experiment_aggregate
from personalization.experiments.exposures import record_exposures
from personalization.experiments.results import CSV_HEADER, experiment_results
from personalization.experiments.spec import ResultsSpec
from tests.helpers.experiments import SPEC

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
DAY0 = date(2026, 2, 1)
GUARDED = ResultsSpec(
    experiment="checkout", arms=[("control", 1), ("one-page", 1)], control="control", goal_type="conversion",
    guardrails=[("refund", "binomial", False), ("purchase", "mean")], min_sample=1_000,
)


def arm_days(experiment: str, metric: str, per_day: dict[str, tuple[int, int]], days: int) -> None:
    """Cumulative binomial rows: each arm gains (visitors, conversions) per day."""
    rows = []
    for arm, (visitors, conversions) in per_day.items():
        for i in range(days):
            n, x = visitors * (i + 1), conversions * (i + 1)
            rows.append(ExperimentArmDay(experiment=experiment, metric=metric, arm=arm, day=DAY0 + timedelta(days=i),
                                         n=n, total=x, total_sq=x, computed_at=NOW))
    ExperimentArmDay.objects.bulk_create(rows)


def test_the_latest_day_is_analysed_and_the_series_runs_day_by_day(django_assert_num_queries):
    arm_days("checkout", GUARDED.goal.key, {"control": (500, 50), "one-page": (500, 65)}, days=10)
    arm_days("checkout", "binomial:refund::", {"control": (500, 5), "one-page": (500, 5)}, days=10)
    with django_assert_num_queries(1):
        report = experiment_results(GUARDED, now=NOW)
    analysis = report.analysis
    assert [a.key for a in analysis.arms] == ["control", "one-page"]
    assert [(a.n, a.mean) for a in analysis.arms] == [(5_000, 0.1), (5_000, 0.13)]
    assert analysis.arm("one-page").uplift_abs == pytest.approx(0.03)
    assert analysis.enough_data and analysis.winner == "one-page"
    assert report.winner == "one-page" and not report.stale
    assert report.as_of == DAY0 + timedelta(days=9) and report.computed_at == NOW

    assert len(report.series) == 20
    first_day = [p for p in report.series if p.day == DAY0]
    assert [(p.arm, p.n) for p in first_day] == [("control", 500), ("one-page", 500)]
    # The interval narrows as visitors accrue.
    widths = [p.seq_ci[1] - p.seq_ci[0] for p in report.series if p.arm == "one-page"]
    assert widths == sorted(widths, reverse=True)

    refund, purchase = report.guardrails
    assert refund.metric.key == "binomial:refund::" and not refund.violated
    assert purchase.analysis.arm("one-page").n == 0  # never aggregated: no figures, no verdict
    assert report.csv_rows[0] == CSV_HEADER
    assert len(report.csv_rows) == 1 + 20 + 20
    assert report.csv_rows[1][:4] == [DAY0.isoformat(), GUARDED.goal.key, "control", 500]


def test_a_guardrail_getting_worse_is_violated():
    arm_days("checkout", GUARDED.goal.key, {"control": (500, 50), "one-page": (500, 50)}, days=10)
    arm_days("checkout", "binomial:refund::", {"control": (500, 5), "one-page": (500, 15)}, days=10)
    refund = experiment_results(GUARDED).guardrails[0]
    assert refund.violated and refund.analysis.arm("one-page").worse


def test_before_any_aggregation_the_report_has_no_figures_and_no_winner():
    report = experiment_results(GUARDED)
    assert report.series == [] and report.as_of is None
    assert report.analysis.winner is None and not report.analysis.enough_data and report.stale
    assert report.analysis.arm("one-page").ci is None
    assert report.to_dict()["analysis"]["winner"] is None


def test_results_of_aggregated_events_show_known_rates_and_the_covariate(experiment):
    experiment_aggregate(SPEC, now=NOW)
    report = experiment_results(SPEC)
    control, treat = report.analysis.arms
    assert (control.n, control.mean, treat.n, treat.mean) == (2, 0.5, 2, 0.5)
    # One visitor per arm converted before their exposure: there is a covariate, so CUPED runs.
    assert control.cuped is not None
    purchase = report.guardrails[0].analysis
    assert [a.mean for a in purchase.arms] == [7.5, 3.5]
    assert report.as_of == date(2026, 3, 4)


def test_exposures_after_the_last_aggregation_wait_for_the_next():
    spec = ResultsSpec(experiment="late", arms=[("a", 1), ("b", 1)], control="a", goal_type="conversion",
                       start=datetime(2026, 3, 1, tzinfo=UTC))
    record_exposures([("late", "a", "v1", 1, datetime(2026, 3, 1, 9, tzinfo=UTC))])
    experiment_aggregate(spec, now=NOW)
    record_exposures([("late", "b", "v2", 1, datetime(2026, 3, 2, 9, tzinfo=UTC))])
    assert [a.n for a in experiment_results(spec).analysis.arms] == [1, 0]
    experiment_aggregate(spec, now=NOW)
    assert [a.n for a in experiment_results(spec).analysis.arms] == [1, 1]


def test_stale_figures_of_a_running_experiment_name_no_winner_but_final_ones_do(settings):
    settings.EXPERIMENTS_AGGREGATION_SECONDS = 60
    arm_days("checkout", GUARDED.goal.key, {"control": (500, 50), "one-page": (500, 65)}, days=10)
    late = NOW + timedelta(minutes=4)
    report = experiment_results(GUARDED, now=late)
    assert report.stale and report.winner is None
    assert report.analysis.winner == "one-page"  # the figures themselves still show
    assert report.to_dict()["winner"] is None
    assert not experiment_results(GUARDED, now=NOW + timedelta(minutes=2)).stale
    ended = replace(GUARDED, end=NOW - timedelta(hours=1))
    assert experiment_results(ended, now=NOW + timedelta(days=30)).winner == "one-page"
