"""CUPED: variance reduction with a pre-period covariate (Deng, Xu, Kohavi & Walker, WSDM 2013).

Each visitor's metric y is replaced by y - theta·(x - mean x), x being the same metric in the
period before the visitor's first exposure. theta = cov(y, x) / var(x), pooled over all arms
so that it does not depend on the assignment; the adjusted difference stays unbiased and its
variance shrinks by the share of y's variance that x explains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .means import Moments


@dataclass(frozen=True)
class CovariateSums:
    """An arm's sums: n, Σy, Σy², Σx, Σx², Σxy."""

    n: int
    total: float
    total_sq: float
    pre_total: float
    pre_total_sq: float
    cross: float


def _covariance(n: int, sum_a: float, sum_b: float, sum_ab: float) -> float:
    return (sum_ab - sum_a * sum_b / n) / (n - 1) if n > 1 else 0.0


def cuped_theta(arms: Sequence[CovariateSums]) -> float:
    """theta = cov(y, x) / var(x) over every arm's visitors together; 0 when x has no variance."""
    n = sum(a.n for a in arms)
    sx, sxx = sum(a.pre_total for a in arms), sum(a.pre_total_sq for a in arms)
    sy, sxy = sum(a.total for a in arms), sum(a.cross for a in arms)
    var_x = _covariance(n, sx, sx, sxx)
    return _covariance(n, sy, sx, sxy) / var_x if var_x > 0 else 0.0


def cuped_moments(arm: CovariateSums, theta: float, pooled_pre_mean: float, *, binomial: bool = False) -> Moments:
    """The arm's adjusted mean, ȳ - theta·(x̄ - pooled x̄), and the adjusted metric's variance.

    var(y - theta·x) = var(y) + theta²·var(x) - 2·theta·cov(y, x), within the arm.
    """
    if arm.n <= 1:
        return Moments(n=arm.n, mean=arm.total / arm.n if arm.n else 0.0, variance=0.0)
    mean_y, mean_x = arm.total / arm.n, arm.pre_total / arm.n
    var_y = mean_y * (1 - mean_y) if binomial else _covariance(arm.n, arm.total, arm.total, arm.total_sq)
    var_x = _covariance(arm.n, arm.pre_total, arm.pre_total, arm.pre_total_sq)
    cov = _covariance(arm.n, arm.total, arm.pre_total, arm.cross)
    variance = max(var_y + theta * theta * var_x - 2 * theta * cov, 0.0)
    return Moments(n=arm.n, mean=mean_y - theta * (mean_x - pooled_pre_mean), variance=variance)
