"""An always-valid confidence sequence for a difference, safe to look at after every day.

The asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas
("Time-uniform central limit theory and asymptotic confidence sequences", 2023, eq. 9;
arXiv:2103.06476), with the normal-mixture boundary of Howard, Ramdas, McAuliffe & Sekhon
(2021). It is the one GrowthBook's gbstats uses (SequentialTwoSidedTTest), and gives the same
numbers for the same inputs.

Tuning: the mixture's variance rho² is chosen so that the sequence is tightest when the two
arms together have `tuning` units (eq. 161 of the paper). Set it near the sample you expect to
reach: smaller makes early looks tighter and later ones wider. The default, 5,000, is gbstats'.
"""

from __future__ import annotations

import math

DEFAULT_TUNING = 5000.0


def mixture_rho(alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """The mixture parameter that makes the boundary tightest at `tuning` units."""
    return math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)


def confidence_sequence(
    diff: float, variance: float, n_total: int, alpha: float = 0.05, tuning: float = DEFAULT_TUNING
) -> tuple[float, float] | None:
    """The always-valid 1 - alpha interval of `diff` after `n_total` units in both arms.

    `variance` is the squared standard error of `diff` (var_c/n_c + var_t/n_t). None when
    there are no units or no variance.
    """
    if n_total <= 0 or variance <= 0:
        return None
    rho2 = mixture_rho(alpha, tuning) ** 2
    s2 = variance * n_total  # per-unit variance of the difference
    nr = n_total * rho2 + 1
    half = math.sqrt(s2) * math.sqrt(2 * nr * math.log(math.sqrt(nr) / alpha) / (n_total * n_total * rho2))
    return diff - half, diff + half


def sequential_p_value(diff: float, variance: float, n_total: int, alpha: float = 0.05, tuning: float = DEFAULT_TUNING) -> float:
    """The always-valid p-value (1 / the mixture e-value, capped at 1) matching `confidence_sequence`."""
    if n_total <= 0 or variance <= 0:
        return 1.0
    rho2 = mixture_rho(alpha, tuning) ** 2
    st2 = diff * diff * n_total / variance
    nr = n_total * rho2 + 1
    log_e = rho2 * st2 / (2 * nr) - 0.5 * math.log(nr)
    return 1.0 if log_e <= 0 else math.exp(-log_e)
