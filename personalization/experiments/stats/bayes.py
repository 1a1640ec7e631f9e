"""Bayesian probability that a treatment beats control, computed exactly (no sampling).

Rates: independent Beta(1, 1) priors, so the posteriors are Beta(1 + x, 1 + n - x), and
P(p_t > p_c) has the closed form of Evan Miller ("Formulas for Bayesian A/B testing", 2015):

    P = Σ_{i=0}^{a_t-1} B(a_c + i, b_c + b_t) / ((b_t + i) · B(1 + i, b_t) · B(a_c, b_c))

summed in log space. Past EXACT_SUM_LIMIT terms (a million conversions in both arms) the sum's
memory grows too large, and P = ∫ f_t(p) F_c(p) dp is integrated numerically over the bulk of the
treatment's posterior instead (both agree to 1e-9; a test compares them). Means: a flat prior and the normal approximation of the difference,
P = Φ(diff / se), as gbstats' Bayesian engine does with an improper prior.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import quad
from scipy.special import betaln, logsumexp
from scipy.stats import beta, norm

EXACT_SUM_LIMIT = 1_000_000


def _prob_beta_greater(a_t: int, b_t: int, a_c: int, b_c: int) -> float:
    i = np.arange(a_t, dtype=float)
    terms = betaln(a_c + i, b_c + b_t) - np.log(b_t + i) - betaln(1 + i, b_t) - betaln(a_c, b_c)
    return float(min(max(np.exp(logsumexp(terms)), 0.0), 1.0))


def _prob_beta_greater_integrated(a_t: int, b_t: int, a_c: int, b_c: int) -> float:
    treatment, control = beta(a_t, b_t), beta(a_c, b_c)
    low, high = treatment.ppf(1e-15), treatment.isf(1e-15)
    value, _ = quad(lambda p: treatment.pdf(p) * control.cdf(p), low, high, epsabs=1e-12, epsrel=1e-10, limit=200)
    return float(min(max(value, 0.0), 1.0))


def prob_rate_beats(x_control: int, n_control: int, x_treatment: int, n_treatment: int) -> float:
    """P(treatment's rate > control's) under Beta(1, 1) priors, exact.

    The sum runs over the smaller of the two posteriors' first parameters
    (P(t > c) = 1 - P(c > t) for continuous posteriors), so its length is min(conversions) + 1.
    """
    a_c, b_c = 1 + int(x_control), 1 + int(n_control) - int(x_control)
    a_t, b_t = 1 + int(x_treatment), 1 + int(n_treatment) - int(x_treatment)
    if min(a_t, a_c) > EXACT_SUM_LIMIT:
        return _prob_beta_greater_integrated(a_t, b_t, a_c, b_c)
    if a_t <= a_c:
        return _prob_beta_greater(a_t, b_t, a_c, b_c)
    return 1.0 - _prob_beta_greater(a_c, b_c, a_t, b_t)


def prob_mean_beats(diff: float, se: float) -> float:
    """P(treatment's mean > control's) under a flat prior and a normal posterior of `diff`."""
    if se <= 0:
        return 0.5 if diff == 0 else float(diff > 0)
    return float(norm.cdf(diff / se))
