"""Summaries of a metric from sums, and Welch's t test and interval for a difference of means."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import t as student_t


@dataclass(frozen=True)
class Moments:
    """Mean and variance of a metric over n units."""

    n: int
    mean: float
    variance: float

    @property
    def se2(self) -> float:
        """Squared standard error of the mean."""
        return self.variance / self.n if self.n else math.inf


def moments_from_sums(n: int, total: float, total_sq: float, *, binomial: bool = False) -> Moments:
    """Mean and variance from n, Σy and Σy².

    A binomial metric's variance is p(1 - p), as the proportion tests use (and gbstats'
    ProportionStatistic); any other metric's is the sample variance (n - 1 in the denominator).
    """
    if n <= 0:
        return Moments(n=0, mean=0.0, variance=0.0)
    mean = total / n
    if binomial:
        return Moments(n=n, mean=mean, variance=max(mean * (1 - mean), 0.0))
    if n == 1:
        return Moments(n=1, mean=mean, variance=0.0)
    # Clamped: Σy² - (Σy)²/n can come out a hair below zero in floating point.
    return Moments(n=n, mean=mean, variance=max((total_sq - total * total / n) / (n - 1), 0.0))


@dataclass(frozen=True)
class WelchResult:
    """Welch's test of treatment minus control: difference, its standard error, degrees of freedom."""

    diff: float
    se: float
    dof: float
    t: float
    p_value: float
    ci: tuple[float, float]


def welch(control: Moments, treatment: Moments, alpha: float = 0.05) -> WelchResult | None:
    """Welch's unequal-variance t test and interval (Welch–Satterthwaite degrees of freedom).

    None when either arm has fewer than two units or both have no variance.
    """
    if control.n < 2 or treatment.n < 2:
        return None
    a, b = control.se2, treatment.se2
    se = math.sqrt(a + b)
    if se == 0:
        return None
    dof = (a + b) ** 2 / (a * a / (control.n - 1) + b * b / (treatment.n - 1))
    diff = treatment.mean - control.mean
    t = diff / se
    half = float(student_t.ppf(1 - alpha / 2, dof)) * se
    return WelchResult(
        diff=diff, se=se, dof=dof, t=t, p_value=float(2 * student_t.sf(abs(t), dof)), ci=(diff - half, diff + half)
    )
