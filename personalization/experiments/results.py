"""An experiment's results: its daily figures read back and analysed (goal, guardrails, series, CSV).

`experiment_results` reads only ExperimentArmDay rows (a few hundred for a 90-day experiment),
so the results page costs one indexed query whatever the traffic; the figures are as fresh as
the last `experiments_aggregate` run (`computed_at`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from .aggregation import SUM_FIELDS, ExperimentArmDay, experiment_aggregate, experiments_aggregate
from .spec import Metric, ResultsSpec, results_spec_provider_register, results_specs
from .stats import Analysis, ArmData, analyse
from .stats.means import moments_from_sums
from .stats.sequential import confidence_sequence

__all__ = [
    "ExperimentArmDay", "GuardrailReport", "Metric", "ResultsReport", "ResultsSpec", "SeriesPoint",
    "experiment_aggregate", "experiment_results", "experiments_aggregate", "results_spec_provider_register",
    "results_specs",
]

CSV_HEADER = ["day", "metric", "arm", "visitors", "total", "mean", "uplift_abs", "seq_ci_low", "seq_ci_high"]


@dataclass(frozen=True)
class SeriesPoint:
    """One arm of one metric at the end of one day: cumulative visitors, mean and uplift over control."""

    day: date
    metric: str
    arm: str
    n: int
    total: float
    mean: float
    uplift_abs: float | None
    seq_ci: tuple[float, float] | None


@dataclass(frozen=True)
class GuardrailReport:
    """A guardrail metric's analysis; `violated` when some arm is significantly worse than control."""

    metric: Metric
    analysis: Analysis
    violated: bool


@dataclass(frozen=True)
class ResultsReport:
    """The latest analysis of the goal and each guardrail, with the daily series behind them."""

    spec: ResultsSpec
    analysis: Analysis
    guardrails: list[GuardrailReport]
    series: list[SeriesPoint]  # the goal's, day by day, arms in spec order
    guardrail_series: dict[str, list[SeriesPoint]] = field(default_factory=dict)
    as_of: date | None = None
    computed_at: datetime | None = None
    stale: bool = False

    @property
    def winner(self) -> str | None:
        """The analysis' winner, unless the figures are stale: a decision to promote fails closed."""
        return None if self.stale else self.analysis.winner

    @property
    def csv_rows(self) -> list[list[Any]]:
        """Header and one row per day, metric and arm (goal first, then guardrails)."""
        points = [*self.series, *(p for series in self.guardrail_series.values() for p in series)]
        return [CSV_HEADER] + [
            [p.day.isoformat(), p.metric, p.arm, p.n, p.total, p.mean, p.uplift_abs,
             *(p.seq_ci if p.seq_ci else (None, None))]
            for p in points
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (series as lists of plain values)."""
        return {
            "experiment": self.spec.experiment,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "stale": self.stale,
            "winner": self.winner,
            "analysis": self.analysis.to_dict(),
            "guardrails": [
                {"metric": g.metric.key, "violated": g.violated, "analysis": g.analysis.to_dict()}
                for g in self.guardrails
            ],
            "series": [
                {"day": p.day.isoformat(), "arm": p.arm, "n": p.n, "mean": p.mean, "uplift_abs": p.uplift_abs,
                 "seq_ci": list(p.seq_ci) if p.seq_ci else None}
                for p in self.series
            ],
        }


def _arm_data(arm: str, sums: tuple) -> ArmData:
    n, total, total_sq, pre_total, pre_total_sq, cross = sums
    return ArmData(arm, int(n), total, total_sq, pre_total, pre_total_sq, cross)


def _series(spec: ResultsSpec, metric: Metric, by_day: dict[date, dict[str, tuple]]) -> list[SeriesPoint]:
    binomial = metric.kind == "binomial"
    points = []
    for day in sorted(by_day):
        arms = by_day[day]
        control = arms.get(spec.control)
        mc = moments_from_sums(int(control[0]), control[1], control[2], binomial=binomial) if control else None
        for key in spec.arm_keys:
            if key not in arms:
                continue
            n, total, total_sq = int(arms[key][0]), arms[key][1], arms[key][2]
            m = moments_from_sums(n, total, total_sq, binomial=binomial)
            uplift = seq = None
            if key != spec.control and mc and mc.n and m.n:
                uplift = m.mean - mc.mean
                seq = confidence_sequence(uplift, mc.se2 + m.se2, mc.n + m.n, spec.alpha)
            points.append(SeriesPoint(day, metric.key, key, n, total, m.mean, uplift, seq))
    return points


def _violated(analysis: Analysis) -> bool:
    return any(a.worse for a in analysis.arms)


def stale_after() -> timedelta:
    """How old a running experiment's figures may be: three missed aggregation runs."""
    return timedelta(seconds=3 * settings.EXPERIMENTS_AGGREGATION_SECONDS)


def _is_stale(spec: ResultsSpec, computed_at: datetime | None, now: datetime) -> bool:
    if computed_at is None:
        return True
    # Figures computed after the experiment ended are final, however old.
    if spec.end is not None and computed_at >= spec.end:
        return False
    return computed_at < now - stale_after()


def experiment_results(spec: ResultsSpec, *, now: datetime | None = None) -> ResultsReport:
    """Analyse the experiment's latest aggregated day, its guardrails, and its series over time.

    With no rows yet every arm has n = 0: no interval, no winner (the analysis fails closed).
    A running experiment whose figures are older than `stale_after()` is `stale`: the report
    still shows them, but names no winner.
    """
    metrics = spec.metrics
    rows = ExperimentArmDay.objects.filter(
        experiment=spec.experiment, metric__in=[m.key for m in metrics], arm__in=spec.arm_keys
    ).values_list("metric", "day", "arm", *SUM_FIELDS, "computed_at")
    by_metric: dict[str, dict[date, dict[str, tuple]]] = defaultdict(lambda: defaultdict(dict))
    computed_at = None
    for metric, day, arm, *sums, at in rows:
        by_metric[metric][day][arm] = tuple(sums)
        computed_at = at if computed_at is None or at > computed_at else computed_at

    def analysis_of(metric: Metric, min_sample: int) -> Analysis:
        days = by_metric.get(metric.key, {})
        latest = days[max(days)] if days else {}
        zero = (0, 0.0, 0.0, None, None, None)
        sums = [latest.get(key, zero) for key in spec.arm_keys]
        if not any(s[4] for s in sums):  # nobody has history: no covariate, no CUPED
            sums = [(*s[:3], None, None, None) for s in sums]
        arms = [_arm_data(key, s) for key, s in zip(spec.arm_keys, sums)]
        return analyse(arms, control=spec.control, weights=spec.weights, kind=metric.kind, alpha=spec.alpha,
                       min_sample=min_sample, higher_is_better=metric.higher_is_better)

    goal = spec.goal
    guardrails = []
    for metric in spec.guardrail_metrics:
        guard = analysis_of(metric, 0)
        guardrails.append(GuardrailReport(metric, guard, _violated(guard)))
    goal_days = by_metric.get(goal.key, {})
    return ResultsReport(
        spec=spec,
        analysis=analysis_of(goal, spec.min_sample),
        guardrails=guardrails,
        series=_series(spec, goal, goal_days),
        guardrail_series={m.key: _series(spec, m, by_metric.get(m.key, {})) for m in spec.guardrail_metrics},
        as_of=max(goal_days) if goal_days else None,
        computed_at=computed_at,
        stale=_is_stale(spec, computed_at, now or timezone.now()),
    )

