"""A/A simulation: how often each test calls a difference when there is none, peeking every day.

Both arms convert at the same rate; each simulated experiment is looked at after every day
and counts as a false positive if any look rejects. The fixed-horizon test is only valid for
one look, so daily peeking inflates its error far beyond alpha; the confidence sequence is
valid at every look at once, so its rate stays at or below alpha.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .proportions import two_proportion_ztest
from .sequential import DEFAULT_TUNING, confidence_sequence


@dataclass(frozen=True)
class AaResult:
    """False-positive rates over `experiments` simulated A/A tests of `days` daily looks."""

    experiments: int
    days: int
    alpha: float
    sequential_rate: float
    fixed_horizon_rate: float
    fixed_horizon_last_look_rate: float


def _rejects_fixed(x_c: int, n_c: int, x_t: int, n_t: int, alpha: float) -> bool:
    test = two_proportion_ztest(x_c, n_c, x_t, n_t)
    return test is not None and test[1] < alpha


def _rejects_sequential(x_c: int, n_c: int, x_t: int, n_t: int, alpha: float, tuning: float) -> bool:
    p_c, p_t = x_c / n_c, x_t / n_t
    variance = p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t
    interval = confidence_sequence(p_t - p_c, variance, n_c + n_t, alpha, tuning)
    return interval is not None and (interval[0] > 0 or interval[1] < 0)


def aa_simulation(
    *, seed: int = 2021, experiments: int = 1000, days: int = 30, daily_visitors: int = 200,
    rate: float = 0.05, alpha: float = 0.05, tuning: float = DEFAULT_TUNING,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> AaResult:
    """Simulate A/A tests (both arms at `rate`, `daily_visitors` per arm per day) with a fixed seed.

    `progress` wraps the loop over experiments (a command passes tqdm).
    """
    rng = np.random.default_rng(seed)
    # Daily conversions per experiment, day and arm, then cumulated: every look sees all days so far.
    conversions = rng.binomial(daily_visitors, rate, size=(experiments, days, 2)).cumsum(axis=1)
    visitors = daily_visitors * np.arange(1, days + 1)
    sequential = fixed = fixed_last = 0
    for counts in (progress or iter)(conversions.tolist()):
        looks = [(c, n, t, n) for (c, t), n in zip(counts, visitors.tolist())]
        sequential += any(_rejects_sequential(*look, alpha, tuning) for look in looks)
        fixed += any(_rejects_fixed(*look, alpha) for look in looks)
        fixed_last += _rejects_fixed(*looks[-1], alpha)
    return AaResult(
        experiments=experiments, days=days, alpha=alpha, sequential_rate=sequential / experiments,
        fixed_horizon_rate=fixed / experiments, fixed_horizon_last_look_rate=fixed_last / experiments,
    )
