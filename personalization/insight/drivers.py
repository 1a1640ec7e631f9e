"""What is behind a change: which keys (terms, pages) rose most in one corpus against another.

The statistic is the log-odds ratio with an informative Dirichlet prior, Monroe, Colaresi &
Quinn (2008), "Fightin' Words", section 3.5.3. For a key w with count y_w^i among n^i items of
the current period and y_w^j among n^j of the earlier one, and a prior α_w proportional to w's
count in a background corpus (α_0 in total):

    δ_w = log((y_w^i + α_w) / (n^i + α_0 - y_w^i - α_w)) - log((y_w^j + α_w) / (n^j + α_0 - y_w^j - α_w))
    σ²(δ_w) ≈ 1 / (y_w^i + α_w) + 1 / (y_w^j + α_w)
    z_w = δ_w / σ(δ_w)

The prior shrinks rare keys towards their background rate, so a word seen twice does not top
the list; z ranks by evidence, not by raw ratio. Pure: no Django.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

PRIOR_WEIGHT = 0.5  # α_0 as a share of the background's total count: the prior weighs half the data
MIN_ALPHA = 0.01  # a key absent from the background still gets a little prior mass


@dataclass(frozen=True, slots=True)
class Driver:
    """One key's rise: its counts in both periods, the log-odds ratio δ and its z-score."""

    key: str
    current: int
    earlier: int
    delta: float
    z: float


def log_odds_drivers(
    current: Mapping[str, int],
    earlier: Mapping[str, int],
    background: Mapping[str, int] | None = None,
    *,
    prior_weight: float = PRIOR_WEIGHT,
    min_count: int = 2,
) -> list[Driver]:
    """Keys ranked by z, most risen first; only keys seen at least `min_count` times now and rising.

    n^i and n^j are the periods' total counts, as in the paper. `background` (the prior's
    shape) defaults to both periods together.
    """
    current_total, earlier_total = sum(current.values()), sum(earlier.values())
    if current_total <= 0:
        return []
    if background is None:
        background = {key: current.get(key, 0) + earlier.get(key, 0) for key in {*current, *earlier}}
    background_total = sum(background.values()) or 1
    prior_strength = max(prior_weight * background_total, 1.0)
    drivers = []
    for key, y_i in current.items():
        if y_i < min_count:
            continue
        y_j = earlier.get(key, 0)
        alpha = max(MIN_ALPHA, prior_strength * background.get(key, 0) / background_total)
        delta = _log_odds(y_i, current_total, alpha, prior_strength) - _log_odds(y_j, earlier_total, alpha, prior_strength)
        z = delta / math.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
        if delta > 0:
            drivers.append(Driver(key, y_i, y_j, delta, z))
    drivers.sort(key=lambda driver: (-driver.z, driver.key))
    return drivers


def _log_odds(count: float, total: float, alpha: float, prior_strength: float) -> float:
    # The rest of the period's mass (total + α_0 - count - α) stays positive: count ≤ total and α ≤ α_0.
    return math.log((count + alpha) / max(total + prior_strength - count - alpha, 1e-9))
