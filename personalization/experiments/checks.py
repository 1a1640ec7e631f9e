"""The statistics checked against published figures and open engines, as `experiments_check_stats` prints them.

Published figures are quoted with their source. Engines (gbstats, statsmodels, scipy) are
asked live with the same inputs; gbstats and statsmodels are development requirements, so
where one is not installed its checks say so instead of passing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from .stats import ArmData, analyse
from .stats.proportions import two_proportion_ztest, wald_interval
from .stats.simulation import aa_simulation
from .stats.srm import srm_check


@dataclass(frozen=True)
class Check:
    """One figure of ours beside its reference; `ok` None when the reference is unavailable."""

    name: str
    source: str
    reference: float | None
    ours: float
    tolerance: float
    ok: bool | None


def _check(name: str, source: str, reference: float | None, ours: float, tolerance: float) -> Check:
    ok = None if reference is None else abs(reference - ours) <= tolerance
    return Check(name, source, reference, ours, tolerance, ok)


PLACEBO, ASPIRIN = (189, 11_034), (104, 11_037)
AGRESTI = "Agresti, Intro. to Categorical Data Analysis (2007) §2.2.3"
KOHAVI = "Kohavi, Tang & Xu, Trustworthy Online Controlled Experiments (2020) ch. 3"


def published_checks() -> list[Check]:
    """Figures printed in textbooks (rounded as printed)."""
    low, high = wald_interval(*PLACEBO, *ASPIRIN)
    z, _ = two_proportion_ztest(*PLACEBO, *ASPIRIN)
    srm = srm_check([821_588, 815_482], [1, 1])
    return [
        _check("aspirin: 95% CI low (placebo - aspirin)", AGRESTI, 0.005, -high, 0.0005),
        _check("aspirin: 95% CI high", AGRESTI, 0.011, -low, 0.0005),
        _check("aspirin: standard error", AGRESTI, 0.0015, (high - low) / 2 / float(sps.norm.ppf(0.975)), 0.00005),
        _check("aspirin: Pearson X² (= pooled z²)", "scipy chi2_contingency", float(sps.chi2_contingency(
            [[189, 11_034 - 189], [104, 11_037 - 104]], correction=False).statistic), z * z, 1e-9),
        _check("SRM 821,588 vs 815,482: p-value", KOHAVI, 1.8e-6, srm.p_value, 0.05e-6),
    ]


def _sample_means(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.gamma(2.0, 10.0, 3_000), rng.gamma(2.1, 10.0, 3_200)


def _arm(key: str, values: np.ndarray) -> ArmData:
    return ArmData(key, len(values), float(values.sum()), float((values**2).sum()))


def engine_checks() -> list[Check]:
    """The same inputs through scipy, statsmodels and gbstats."""
    control, treatment = _sample_means(8)
    mean_arm = analyse([_arm("a", control), _arm("b", treatment)], control="a", weights={"a": 1, "b": 1},
                       kind="mean").arm("b")
    welch_ci = sps.ttest_ind(treatment, control, equal_var=False).confidence_interval(0.95)
    checks = [
        _check("Welch 95% CI low", "scipy ttest_ind(equal_var=False)", float(welch_ci.low), mean_arm.ci[0], 1e-9),
        _check("Welch 95% CI high", "scipy ttest_ind(equal_var=False)", float(welch_ci.high), mean_arm.ci[1], 1e-9),
    ]
    low, high = wald_interval(*PLACEBO, *ASPIRIN)
    try:
        from statsmodels.stats.proportion import confint_proportions_2indep
        sm_low, _ = confint_proportions_2indep(*ASPIRIN, *PLACEBO, method="wald", compare="diff")
        checks.append(_check("aspirin: Wald CI low", "statsmodels", float(sm_low), low, 1e-12))
    except ImportError:
        checks.append(_check("aspirin: Wald CI low", "statsmodels (not installed)", None, low, 1e-12))
    checks += _gbstats_checks(control, treatment, mean_arm)
    return checks


def _gbstats_checks(control: np.ndarray, treatment: np.ndarray, mean_arm) -> list[Check]:
    names = ["means: sequential CI low", "means: sequential CI high", "means: chance to win",
             "rates: sequential CI low"]
    try:
        from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
        from gbstats.frequentist.tests import SequentialConfig, SequentialTwoSidedTTest
        from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic
    except ImportError:
        ours = [*mean_arm.seq_ci, mean_arm.prob_beat_control, 0.0]
        return [_check(name, "gbstats (not installed)", None, value, 1e-9) for name, value in zip(names, ours)]

    def stat(values):
        return SampleMeanStatistic(n=len(values), sum=float(values.sum()), sum_squares=float((values**2).sum()))

    sequential = SequentialTwoSidedTTest(stat(control), stat(treatment),
                                         SequentialConfig(difference_type="absolute")).compute_result()
    bayes = EffectBayesianABTest(stat(control), stat(treatment),
                                 EffectBayesianConfig(difference_type="absolute")).compute_result()
    rate_arm = analyse([ArmData("a", 20_000, 1_020, 1_020), ArmData("b", 20_400, 1_135, 1_135)], control="a",
                       weights={"a": 1, "b": 1}, kind="binomial").arm("b")
    rates = SequentialTwoSidedTTest(ProportionStatistic(n=20_000, sum=1_020), ProportionStatistic(n=20_400, sum=1_135),
                                    SequentialConfig(difference_type="absolute")).compute_result()
    pairs = [(sequential.ci[0], mean_arm.seq_ci[0]), (sequential.ci[1], mean_arm.seq_ci[1]),
             (bayes.chance_to_win, mean_arm.prob_beat_control), (rates.ci[0], rate_arm.seq_ci[0])]
    return [_check(name, "gbstats 0.8", float(ref), ours, 1e-6) for name, (ref, ours) in zip(names, pairs)]


def aa_checks(*, seed: int, experiments: int, progress: Callable[[Iterable], Iterable] | None = None) -> list[Check]:
    """A/A false-positive rates over 30 daily looks: the always-valid test within alpha, naive peeking not."""
    result = aa_simulation(seed=seed, experiments=experiments, days=30, progress=progress)
    sequential = Check("A/A, 30 daily looks: always-valid false positives", f"≤ alpha ({experiments} runs)",
                       result.alpha, result.sequential_rate, 0.0, result.sequential_rate <= result.alpha)
    naive = Check("A/A, 30 daily looks: fixed-horizon false positives", "> alpha (peeking inflates it)",
                  result.alpha, result.fixed_horizon_rate, 0.0, result.fixed_horizon_rate > result.alpha)
    once = _check("A/A, one look at day 30: fixed-horizon false positives", "≈ alpha",
                  result.alpha, result.fixed_horizon_last_look_rate, 3 * (0.05 * 0.95 / experiments) ** 0.5)
    return [sequential, naive, once]
