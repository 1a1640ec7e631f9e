"""What to analyse: an experiment's arms, goal and guardrails as plain data (no Experiment model).

The experiments' admin builds a `ResultsSpec` from its model; the periodic aggregation asks
the registered providers for the specs of the experiments worth aggregating.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Kind = Literal["binomial", "mean"]

# CUPED's covariate: the same metric over this period before a visitor's first exposure.
PRE_PERIOD = timedelta(days=14)


@dataclass(frozen=True)
class Metric:
    """An event type counted per exposed visitor: converted or not (binomial) or the sum of `value` (mean)."""

    event_type: str
    kind: Kind = "binomial"
    page_id: int | None = None
    placement: str = ""
    higher_is_better: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("binomial", "mean"):
            raise ValueError(f"unknown metric kind {self.kind!r}")

    @property
    def key(self) -> str:
        """The metric's name in ExperimentArmDay: what is counted, not how it is judged."""
        return f"{self.kind}:{self.event_type}:{self.page_id or ''}:{self.placement}"


@dataclass(frozen=True)
class ResultsSpec:
    """An experiment as its results need it.

    `arms` are (key, weight) in display order; `guardrails` are (event type, kind) or
    (event type, kind, higher_is_better). `start` None counts from the first exposure;
    `end` None means still running.
    """

    experiment: str
    arms: Sequence[tuple[str, float]]
    control: str
    goal_type: str
    kind: Kind = "binomial"
    goal_page_id: int | None = None
    goal_placement: str = ""
    guardrails: Sequence[tuple] = ()
    min_sample: int = 0
    start: datetime | None = None
    end: datetime | None = None
    alpha: float = 0.05
    higher_is_better: bool = True

    def __post_init__(self) -> None:
        if self.control not in self.arm_keys:
            raise ValueError(f"control arm {self.control!r} is not among the arms")

    @property
    def arm_keys(self) -> list[str]:
        """The arms' keys in order."""
        return [key for key, _ in self.arms]

    @property
    def weights(self) -> dict[str, float]:
        """The configured share of each arm."""
        return {key: float(weight) for key, weight in self.arms}

    @property
    def goal(self) -> Metric:
        """The primary goal as a metric."""
        return Metric(self.goal_type, self.kind, self.goal_page_id, self.goal_placement, self.higher_is_better)

    @property
    def guardrail_metrics(self) -> list[Metric]:
        """The guardrails as metrics (higher is better unless said otherwise)."""
        return [Metric(g[0], g[1], higher_is_better=g[2] if len(g) > 2 else True) for g in self.guardrails]

    @property
    def metrics(self) -> list[Metric]:
        """Goal first, then guardrails, without repeats."""
        seen: dict[str, Metric] = {}
        for metric in [self.goal, *self.guardrail_metrics]:
            seen.setdefault(metric.key, metric)
        return list(seen.values())


SpecProvider = Callable[[], Iterable[ResultsSpec]]
_providers: list[SpecProvider] = []


def results_spec_provider_register(provider: SpecProvider) -> None:
    """Register a callable returning the specs the periodic aggregation keeps up to date.

    The experiments' models register one (running experiments, and stopped ones until their
    last day is aggregated); registering the same callable twice has no effect.
    """
    if provider not in _providers:
        _providers.append(provider)


def results_specs() -> list[ResultsSpec]:
    """Every registered provider's specs."""
    return [spec for provider in _providers for spec in provider()]
