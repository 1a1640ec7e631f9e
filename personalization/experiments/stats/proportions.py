"""Two proportions: the pooled z test and the unpooled (Wald) interval of their difference.

Differences are always treatment minus control. The test pools the two samples because under
its null hypothesis they share one rate; the interval does not, because it describes a world
where the rates may differ (Agresti, An Introduction to Categorical Data Analysis, §2.2).
"""

from __future__ import annotations

import math

from scipy.stats import norm


def two_proportion_ztest(x_control: float, n_control: int, x_treatment: float, n_treatment: int) -> tuple[float, float] | None:
    """The pooled two-proportion z statistic and its two-sided p-value, or None without variance."""
    if n_control <= 0 or n_treatment <= 0:
        return None
    pooled = (x_control + x_treatment) / (n_control + n_treatment)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_control + 1 / n_treatment))
    if se == 0:
        return None
    z = (x_treatment / n_treatment - x_control / n_control) / se
    return z, math.erfc(abs(z) / math.sqrt(2))  # = 2·(1 - Φ(|z|)), without scipy's per-call cost


def wald_interval(
    x_control: float, n_control: int, x_treatment: float, n_treatment: int, alpha: float = 0.05
) -> tuple[float, float] | None:
    """The unpooled Wald interval of the rate difference at level 1 - alpha, or None without variance."""
    if n_control <= 0 or n_treatment <= 0:
        return None
    p_c, p_t = x_control / n_control, x_treatment / n_treatment
    se = math.sqrt(p_c * (1 - p_c) / n_control + p_t * (1 - p_t) / n_treatment)
    if se == 0:
        return None
    half = float(norm.ppf(1 - alpha / 2)) * se
    return p_t - p_c - half, p_t - p_c + half
