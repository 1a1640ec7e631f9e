"""Sample-ratio mismatch: do the arms' visitor counts fit the configured weights?

A chi-squared goodness-of-fit test; a mismatch is flagged at p < 0.001, the threshold the
experimentation literature uses (Fabijan et al., "Diagnosing Sample Ratio Mismatch in Online
Controlled Experiments", KDD 2019) because the check runs on every experiment every day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import chi2 as chi2_dist

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SrmResult:
    """The chi-squared statistic, its p-value, and whether the counts mismatch the weights."""

    chi2: float
    p_value: float
    mismatch: bool


def srm_check(counts: Sequence[int], weights: Sequence[float], threshold: float = SRM_THRESHOLD) -> SrmResult:
    """Chi-squared test of `counts` against the shares `weights` (any positive scale)."""
    total, weight_sum = sum(counts), sum(weights)
    if total == 0 or weight_sum <= 0 or len(counts) < 2:
        return SrmResult(chi2=0.0, p_value=1.0, mismatch=False)
    expected = [total * w / weight_sum for w in weights]
    if any(e == 0 and c > 0 for c, e in zip(counts, expected)):
        # Visitors in an arm that should get none: as mismatched as it gets.
        return SrmResult(chi2=float("inf"), p_value=0.0, mismatch=True)
    statistic = sum((c - e) ** 2 / e for c, e in zip(counts, expected) if e > 0)
    p_value = float(chi2_dist.sf(statistic, sum(1 for e in expected if e > 0) - 1))
    return SrmResult(chi2=float(statistic), p_value=p_value, mismatch=p_value < threshold)
