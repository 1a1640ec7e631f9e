"""The experiments' statistics against published values and open engines (gbstats, statsmodels, scipy).

Pure: no database. Every comparison uses the same inputs on both sides; where an engine
differs by design (gbstats' t quantile for proportions) the tolerance says so.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
from gbstats.frequentist.tests import FrequentistConfig, SequentialConfig, SequentialTwoSidedTTest, TwoSidedTTest
from gbstats.models.statistics import ProportionStatistic, RegressionAdjustedStatistic, SampleMeanStatistic
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from personalization.experiments.stats import ArmData, analyse
from personalization.experiments.stats import bayes
from personalization.experiments.stats.bayes import prob_mean_beats, prob_rate_beats
from personalization.experiments.stats.means import moments_from_sums, welch
from personalization.experiments.stats.proportions import two_proportion_ztest, wald_interval
from personalization.experiments.stats.sequential import confidence_sequence, sequential_p_value
from personalization.experiments.stats.simulation import aa_simulation
from personalization.experiments.stats.srm import srm_check

# Agresti, "An Introduction to Categorical Data Analysis", 2nd ed. (Wiley, 2007), §2.2.3: the
# Physicians' Health Study. Heart attacks: 189 of 11,034 on placebo, 104 of 11,037 on aspirin.
# Published: difference of proportions 0.0171 - 0.0094 = 0.0077, standard error 0.0015,
# 95% interval 0.0077 ± 1.96(0.0015) = (0.005, 0.011). Here aspirin is the treatment, so the
# difference is negative.
PLACEBO, ASPIRIN = (189, 11_034), (104, 11_037)


def sums(values: np.ndarray) -> tuple[int, float, float]:
    return len(values), float(values.sum()), float((values**2).sum())


def test_the_textbook_two_proportion_interval_and_test():
    low, high = wald_interval(*PLACEBO, *ASPIRIN)
    assert (round(low, 3), round(high, 3)) == (-0.011, -0.005)
    assert round((high - low) / 2 / 1.96, 4) == 0.0015
    assert round(ASPIRIN[0] / ASPIRIN[1] - PLACEBO[0] / PLACEBO[1], 4) == -0.0077

    # statsmodels' Wald interval (count1 - count2) and pooled z test give the same to rounding error.
    sm_low, sm_high = confint_proportions_2indep(*ASPIRIN, *PLACEBO, method="wald", compare="diff")
    assert (low, high) == pytest.approx((sm_low, sm_high), abs=1e-12)
    z, p = two_proportion_ztest(*PLACEBO, *ASPIRIN)
    sm_z, sm_p = proportions_ztest([ASPIRIN[0], PLACEBO[0]], [ASPIRIN[1], PLACEBO[1]])
    assert (z, p) == pytest.approx((sm_z, sm_p), rel=1e-9)
    # The pooled z test is Pearson's chi-squared on the 2×2 table: z² = X².
    table = [[PLACEBO[0], PLACEBO[1] - PLACEBO[0]], [ASPIRIN[0], ASPIRIN[1] - ASPIRIN[0]]]
    chi2 = sps.chi2_contingency(table, correction=False)
    assert z * z == pytest.approx(chi2.statistic, rel=1e-9)
    assert round(z * z, 1) == 25.0


def test_a_known_sample_ratio_mismatch():
    # Kohavi, Tang & Xu, "Trustworthy Online Controlled Experiments" (Cambridge, 2020), ch. 3:
    # a 50/50 design with 821,588 users in control and 815,482 in treatment (ratio 0.993),
    # published p-value 1.8E-6: a sample-ratio mismatch.
    result = srm_check([821_588, 815_482], [50, 50])
    assert f"{result.p_value:.1e}" == "1.8e-06"
    assert result.mismatch
    assert not srm_check([821_588, 821_000], [1, 1]).mismatch


def test_srm_against_uneven_weights_matches_scipy():
    counts, weights = [5_210, 2_480, 2_310], [0.5, 0.25, 0.25]
    expected = [sum(counts) * w for w in weights]
    reference = sps.chisquare(counts, expected)
    result = srm_check(counts, weights)
    assert (result.chi2, result.p_value) == pytest.approx((reference.statistic, reference.pvalue), rel=1e-9)
    assert srm_check([10, 3], [1, 0]).mismatch  # visitors in an arm that should have none


def test_welchs_interval_matches_scipys():
    rng = np.random.default_rng(5)
    control, treatment = rng.lognormal(3.0, 1.0, 900), rng.lognormal(3.1, 1.3, 1_300)
    result = welch(moments_from_sums(*sums(control)), moments_from_sums(*sums(treatment)), alpha=0.05)
    reference = sps.ttest_ind(treatment, control, equal_var=False)
    ci = reference.confidence_interval(0.95)
    assert result.ci == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert result.dof == pytest.approx(reference.df, rel=1e-9)


def _gb_means(values: np.ndarray) -> SampleMeanStatistic:
    n, total, total_sq = sums(values)
    return SampleMeanStatistic(n=n, sum=total, sum_squares=total_sq)


def test_means_intervals_match_gbstats_frequentist_sequential_and_bayesian():
    rng = np.random.default_rng(8)
    control, treatment = rng.gamma(2.0, 10.0, 3_000), rng.gamma(2.1, 10.0, 3_200)
    analysis = analyse([ArmData("a", *sums(control)), ArmData("b", *sums(treatment))],
                       control="a", weights={"a": 1, "b": 1}, kind="mean")
    arm = analysis.arm("b")
    absolute = FrequentistConfig(difference_type="absolute")
    fixed = TwoSidedTTest(_gb_means(control), _gb_means(treatment), absolute).compute_result()
    assert arm.ci == pytest.approx(tuple(fixed.ci), rel=1e-9)
    assert arm.p_value == pytest.approx(fixed.p_value, rel=1e-6)
    sequential = SequentialTwoSidedTTest(
        _gb_means(control), _gb_means(treatment),
        SequentialConfig(difference_type="absolute", sequential_tuning_parameter=5000),
    ).compute_result()
    assert arm.seq_ci == pytest.approx(tuple(sequential.ci), rel=1e-9)
    bayes = EffectBayesianABTest(
        _gb_means(control), _gb_means(treatment), EffectBayesianConfig(difference_type="absolute")
    ).compute_result()
    assert arm.prob_beat_control == pytest.approx(bayes.chance_to_win, abs=1e-9)


def test_proportion_intervals_match_gbstats():
    control, treatment = (1_020, 20_000), (1_135, 20_400)
    arm = analyse([ArmData("a", control[1], control[0], control[0]), ArmData("b", treatment[1], treatment[0], treatment[0])],
                  control="a", weights={"a": 1, "b": 1}, kind="binomial").arm("b")
    a, b = ProportionStatistic(n=control[1], sum=control[0]), ProportionStatistic(n=treatment[1], sum=treatment[0])
    sequential = SequentialTwoSidedTTest(a, b, SequentialConfig(difference_type="absolute")).compute_result()
    assert arm.seq_ci == pytest.approx(tuple(sequential.ci), abs=1e-9)
    variance = a.variance / a.n + b.variance / b.n
    assert sequential_p_value(arm.uplift_abs, variance, a.n + b.n) == pytest.approx(sequential.p_value, rel=1e-9)
    # gbstats takes the t quantile at Welch's degrees of freedom (≈ 40,000 here), the Wald
    # interval the normal one: at this sample they differ by less than 1e-6.
    fixed = TwoSidedTTest(a, b, FrequentistConfig(difference_type="absolute")).compute_result()
    assert arm.ci == pytest.approx(tuple(fixed.ci), abs=1e-6)


def test_the_exact_beta_probability_matches_monte_carlo_and_its_symmetries():
    rng = np.random.default_rng(13)
    cases = [((120, 1_000), (140, 1_000)), ((30, 400), (25, 380)), ((0, 50), (2, 50))]
    for (x_c, n_c), (x_t, n_t) in cases:
        draws_c = rng.beta(1 + x_c, 1 + n_c - x_c, 1_000_000)
        draws_t = rng.beta(1 + x_t, 1 + n_t - x_t, 1_000_000)
        assert prob_rate_beats(x_c, n_c, x_t, n_t) == pytest.approx(float((draws_t > draws_c).mean()), abs=2e-3)
        assert prob_rate_beats(x_c, n_c, x_t, n_t) + prob_rate_beats(x_t, n_t, x_c, n_c) == pytest.approx(1, abs=1e-12)
    assert prob_rate_beats(50, 500, 50, 500) == pytest.approx(0.5, abs=1e-12)
    # Large counts stay finite and close to the normal approximation.
    big = prob_rate_beats(50_000, 1_000_000, 50_400, 1_000_000)
    se = math.sqrt(2 * 0.05 * 0.95 / 1_000_000)
    assert big == pytest.approx(prob_mean_beats(0.0004, se), abs=5e-3)


@pytest.mark.parametrize("counts", [(120, 1_000, 140, 1_000), (5_000, 100_000, 5_150, 100_000),
                                    (50_000, 1_000_000, 50_400, 1_000_000)])
def test_the_exact_sum_and_the_integration_used_past_its_limit_agree(counts):
    x_c, n_c, x_t, n_t = counts
    integrated = bayes._prob_beta_greater_integrated(1 + x_t, 1 + n_t - x_t, 1 + x_c, 1 + n_c - x_c)
    assert prob_rate_beats(*counts) == pytest.approx(integrated, abs=1e-9)


def test_past_the_exact_sums_limit_the_probability_is_integrated(monkeypatch):
    exact = prob_rate_beats(120, 1_000, 140, 1_000)
    calls = []
    monkeypatch.setattr(bayes, "EXACT_SUM_LIMIT", 100)
    monkeypatch.setattr(bayes, "_prob_beta_greater", lambda *args: calls.append(args))
    assert prob_rate_beats(120, 1_000, 140, 1_000) == pytest.approx(exact, abs=1e-9)
    assert calls == []


def _correlated(rng, n: int, effect: float, rho: float) -> tuple[np.ndarray, np.ndarray]:
    pre = rng.normal(10.0, 3.0, n)
    post = 10.0 + effect + rho * (pre - 10.0) + math.sqrt(1 - rho * rho) * rng.normal(0.0, 3.0, n)
    return post, pre


def _cuped_arm(key: str, post: np.ndarray, pre: np.ndarray) -> ArmData:
    return ArmData(key, len(post), float(post.sum()), float((post**2).sum()),
                   float(pre.sum()), float((pre**2).sum()), float((post * pre).sum()))


def test_cuped_narrows_the_interval_as_the_covariates_correlation_predicts_and_matches_gbstats():
    rng = np.random.default_rng(21)
    rho = 0.7
    (yc, xc), (yt, xt) = _correlated(rng, 20_000, 0.0, rho), _correlated(rng, 20_000, 0.1, rho)
    arm = analyse([_cuped_arm("a", yc, xc), _cuped_arm("b", yt, xt)], control="a", weights={"a": 1, "b": 1},
                  kind="mean").arm("b")
    # The interval's width shrinks by 1 - sqrt(1 - rho²) ≈ 0.286.
    assert arm.cuped.width_reduction == pytest.approx(1 - math.sqrt(1 - rho * rho), abs=0.02)
    assert arm.cuped.ci[0] < 0.1 < arm.cuped.ci[1]
    assert arm.cuped.theta == pytest.approx(rho, abs=0.02)

    def regression_adjusted(post, pre):
        return RegressionAdjustedStatistic(n=len(post), post_statistic=_gb_means(post), pre_statistic=_gb_means(pre),
                                           post_pre_sum_of_products=float((post * pre).sum()), theta=0)

    fixed = TwoSidedTTest(regression_adjusted(yc, xc), regression_adjusted(yt, xt),
                          FrequentistConfig(difference_type="absolute")).compute_result()
    assert arm.cuped.ci == pytest.approx(tuple(fixed.ci), rel=1e-9)
    sequential = SequentialTwoSidedTTest(regression_adjusted(yc, xc), regression_adjusted(yt, xt),
                                         SequentialConfig(difference_type="absolute")).compute_result()
    assert arm.cuped.seq_ci == pytest.approx(tuple(sequential.ci), rel=1e-9)


def test_without_a_covariate_there_is_no_cuped():
    arms = [ArmData("a", 100, 10, 10), ArmData("b", 100, 12, 12)]
    assert analyse(arms, control="a", weights={"a": 1, "b": 1}, kind="binomial").arm("b").cuped is None


def test_peeking_daily_for_30_days_the_always_valid_test_keeps_its_false_positive_rate():
    result = aa_simulation(seed=2021, experiments=1_000, days=30, daily_visitors=200, rate=0.05, alpha=0.05)
    assert result.sequential_rate <= 0.05
    # The fixed-horizon test is fine once (within simulation error of 5 %) but not looked at daily.
    assert result.fixed_horizon_last_look_rate == pytest.approx(0.05, abs=0.02)
    assert result.fixed_horizon_rate > 0.15


def test_the_confidence_sequence_is_wider_than_the_fixed_interval_and_contains_it():
    fixed = wald_interval(500, 10_000, 560, 10_000)
    sequence = confidence_sequence(0.006, 0.05 * 0.95 / 10_000 + 0.056 * 0.944 / 10_000, 20_000)
    assert sequence[0] < fixed[0] and fixed[1] < sequence[1]
    assert confidence_sequence(0.0, 0.0, 100) is None


ARMS = [ArmData("control", 5_000, 500, 500), ArmData("new", 5_000, 640, 640), ArmData("bold", 5_000, 505, 505)]
WEIGHTS = {"control": 1, "new": 1, "bold": 1}


def test_a_winner_needs_the_minimum_sample_and_a_significant_always_valid_interval():
    analysis = analyse(ARMS, control="control", weights=WEIGHTS, kind="binomial", min_sample=1_000)
    assert analysis.winner == "new"
    new, bold = analysis.arm("new"), analysis.arm("bold")
    assert new.significant and new.better and not new.worse
    assert not bold.significant and not bold.better
    assert new.uplift_rel == pytest.approx(0.28)
    control = analysis.arm("control")
    assert control.uplift_abs is control.ci is control.seq_ci is control.prob_beat_control is None

    too_early = analyse(ARMS, control="control", weights=WEIGHTS, kind="binomial", min_sample=5_001)
    assert not too_early.enough_data and too_early.winner is None
    assert too_early.arm("new").significant  # the figures still show, only no winner is named


def test_a_sample_ratio_mismatch_withholds_the_winner():
    analysis = analyse(ARMS, control="control", weights={"control": 2, "new": 1, "bold": 1}, kind="binomial")
    assert analysis.srm.mismatch and analysis.winner is None


def test_when_lower_is_better_a_rise_is_worse():
    analysis = analyse(ARMS, control="control", weights=WEIGHTS, kind="binomial", higher_is_better=False)
    assert analysis.arm("new").worse and not analysis.arm("new").better
    assert analysis.winner is None  # one arm worse, the other undecided
    only_worse = analyse(ARMS[:2], control="control", weights=WEIGHTS, kind="binomial", higher_is_better=False)
    assert only_worse.winner == "control"


def test_no_data_gives_no_intervals_and_the_analysis_is_json_ready():
    empty = analyse([ArmData("a", 0, 0, 0), ArmData("b", 0, 0, 0)], control="a", weights={"a": 1, "b": 1},
                    kind="mean", min_sample=0)
    assert empty.arm("b").ci is None and empty.arm("b").seq_ci is None and empty.winner is None
    encoded = json.loads(json.dumps(analyse(ARMS, control="control", weights=WEIGHTS, kind="binomial").to_dict(),
                                    allow_nan=False))
    assert encoded["arms"][1]["key"] == "new" and len(encoded["arms"][1]["seq_ci"]) == 2
    with pytest.raises(ValueError):
        analyse(ARMS, control="missing", weights=WEIGHTS, kind="binomial")
