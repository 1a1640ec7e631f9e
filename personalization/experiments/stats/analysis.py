"""`analyse`: every arm of an experiment against control, from summary sums only.

Per arm: the fixed-horizon interval and p-value (two-proportion z test and Wald interval for
rates, Welch for means), the always-valid confidence sequence that decides significance
(so the results can be watched daily), the Bayesian probability to beat control, and CUPED
when every arm has pre-period sums. Across arms: the sample-ratio check against the weights.

A winner is named only when it is safe to: every arm has the minimum sample, the counts fit
the weights (a sample-ratio mismatch means the comparison itself is broken, so it fails
closed), and the always-valid interval excludes zero in the better direction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from scipy.stats import norm

from .bayes import prob_mean_beats, prob_rate_beats
from .cuped import CovariateSums, cuped_moments, cuped_theta
from .means import Moments, moments_from_sums, welch
from .proportions import two_proportion_ztest, wald_interval
from .sequential import DEFAULT_TUNING, confidence_sequence
from .srm import SrmResult, srm_check

Interval = tuple[float, float]
Kind = Literal["binomial", "mean"]


@dataclass(frozen=True)
class ArmData:
    """An arm's sums over its exposed visitors (binomial: total = visitors who converted = total_sq)."""

    key: str
    n: int
    total: float
    total_sq: float
    pre_total: float | None = None
    pre_total_sq: float | None = None
    cross: float | None = None

    @property
    def has_covariate(self) -> bool:
        """Whether the arm carries CUPED's pre-period sums."""
        return None not in (self.pre_total, self.pre_total_sq, self.cross)


@dataclass(frozen=True)
class CupedResult:
    """The CUPED-adjusted comparison and how much it narrowed the fixed-horizon interval."""

    theta: float
    mean: float
    uplift_abs: float | None
    ci: Interval | None
    seq_ci: Interval | None
    width_reduction: float | None  # 1 - adjusted width / unadjusted width, in [0, 1]


@dataclass(frozen=True)
class ArmResult:
    """One arm's figures; the control's uplift fields are None."""

    key: str
    n: int
    mean: float
    uplift_abs: float | None = None
    uplift_rel: float | None = None
    ci: Interval | None = None
    p_value: float | None = None
    seq_ci: Interval | None = None
    prob_beat_control: float | None = None
    significant: bool = False
    better: bool = False
    worse: bool = False
    cuped: CupedResult | None = None
    is_control: bool = False


@dataclass(frozen=True)
class Analysis:
    """The whole experiment's analysis at one point in time."""

    kind: Kind
    control: str
    alpha: float
    arms: list[ArmResult]
    srm: SrmResult
    enough_data: bool
    winner: str | None

    def arm(self, key: str) -> ArmResult:
        """The result of the arm `key`."""
        return next(a for a in self.arms if a.key == key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists, infinities and NaN become None."""
        return _json_ready(asdict(self))


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _width(interval: Interval | None) -> float | None:
    return None if interval is None else interval[1] - interval[0]


def _excludes_zero(interval: Interval | None) -> int:
    """+1 when the interval lies above zero, -1 below, 0 when it contains zero (or is unknown)."""
    if interval is None:
        return 0
    return 1 if interval[0] > 0 else -1 if interval[1] < 0 else 0


def _fixed_horizon(kind: Kind, control: ArmData, arm: ArmData, mc: Moments, mt: Moments, alpha: float):
    if kind == "binomial":
        test = two_proportion_ztest(control.total, control.n, arm.total, arm.n)
        return wald_interval(control.total, control.n, arm.total, arm.n, alpha), None if test is None else test[1]
    result = welch(mc, mt, alpha)
    return (None, None) if result is None else (result.ci, result.p_value)


def _prob_beat(kind: Kind, control: ArmData, arm: ArmData, mc: Moments, mt: Moments) -> float | None:
    if control.n == 0 or arm.n == 0:
        return None
    if kind == "binomial":
        return prob_rate_beats(round(control.total), control.n, round(arm.total), arm.n)
    return prob_mean_beats(mt.mean - mc.mean, math.sqrt(mc.se2 + mt.se2))


def _cuped(kind: Kind, arms: Sequence[ArmData], alpha: float, tuning: float) -> dict[str, CupedResult] | None:
    if not arms or not all(a.has_covariate for a in arms):
        return None
    sums = [CovariateSums(a.n, a.total, a.total_sq, a.pre_total, a.pre_total_sq, a.cross) for a in arms]
    theta = cuped_theta(sums)
    n_all = sum(s.n for s in sums)
    pooled_pre = sum(s.pre_total for s in sums) / n_all if n_all else 0.0
    adjusted = [cuped_moments(s, theta, pooled_pre, binomial=kind == "binomial") for s in sums]
    raw = [moments_from_sums(a.n, a.total, a.total_sq, binomial=kind == "binomial") for a in arms]
    control_adj, control_raw = adjusted[0], raw[0]
    out = {arms[0].key: CupedResult(theta, control_adj.mean, None, None, None, None)}
    for arm, adj, unadj in zip(arms[1:], adjusted[1:], raw[1:]):
        if adj.n == 0 or control_adj.n == 0:
            out[arm.key] = CupedResult(theta, adj.mean, None, None, None, None)
            continue
        diff, var = adj.mean - control_adj.mean, adj.se2 + control_adj.se2
        ci = seq = None
        if var > 0:
            # The same interval as the unadjusted comparison's, so the two widths compare.
            if kind == "mean":
                fixed = welch(control_adj, adj, alpha)
                ci = fixed.ci if fixed else None
            else:
                half = _z(alpha) * math.sqrt(var)
                ci = (diff - half, diff + half)
            seq = confidence_sequence(diff, var, adj.n + control_adj.n, alpha, tuning)
        raw_var = unadj.se2 + control_raw.se2
        reduction = None if raw_var <= 0 or ci is None else min(max(1 - math.sqrt(var / raw_var), 0.0), 1.0)
        out[arm.key] = CupedResult(theta, adj.mean, diff, ci, seq, reduction)
    return out


def _z(alpha: float) -> float:
    return float(norm.ppf(1 - alpha / 2))


def analyse(
    arms: Sequence[ArmData],
    *,
    control: str,
    weights: Mapping[str, float],
    kind: Kind,
    alpha: float = 0.05,
    min_sample: int = 0,
    higher_is_better: bool = True,
    tuning: float = DEFAULT_TUNING,
) -> Analysis:
    """Analyse every arm against `control`; see the module docstring for what decides a winner."""
    if kind not in ("binomial", "mean"):
        raise ValueError(f"unknown metric kind {kind!r}")
    by_key = {a.key: a for a in arms}
    if control not in by_key:
        raise ValueError(f"control arm {control!r} is not among the arms")
    ordered = [by_key[control]] + [a for a in arms if a.key != control]
    binomial = kind == "binomial"
    moments = {a.key: moments_from_sums(a.n, a.total, a.total_sq, binomial=binomial) for a in ordered}
    ctl, mc = ordered[0], moments[control]
    cuped = _cuped(kind, ordered, alpha, tuning)
    direction = 1 if higher_is_better else -1

    results = [ArmResult(key=control, n=ctl.n, mean=mc.mean, is_control=True, cuped=cuped and cuped[control])]
    for arm in ordered[1:]:
        mt = moments[arm.key]
        diff = mt.mean - mc.mean
        has_data = arm.n > 0 and ctl.n > 0
        ci, p_value = _fixed_horizon(kind, ctl, arm, mc, mt, alpha) if has_data else (None, None)
        seq_ci = confidence_sequence(diff, mc.se2 + mt.se2, ctl.n + arm.n, alpha, tuning) if has_data else None
        side = _excludes_zero(seq_ci)
        results.append(ArmResult(
            key=arm.key,
            n=arm.n,
            mean=mt.mean,
            uplift_abs=diff if has_data else None,
            uplift_rel=diff / mc.mean if has_data and mc.mean else None,
            ci=ci,
            p_value=p_value,
            seq_ci=seq_ci,
            prob_beat_control=_prob_beat(kind, ctl, arm, mc, mt),
            significant=side != 0,
            better=side == direction,
            worse=side == -direction,
            cuped=cuped and cuped[arm.key],
        ))

    srm = srm_check([a.n for a in ordered], [float(weights.get(a.key, 0.0)) for a in ordered])
    enough = all(a.n >= min_sample for a in ordered) and bool(ordered)
    return Analysis(
        kind=kind, control=control, alpha=alpha, arms=results, srm=srm, enough_data=enough,
        winner=_winner(results, direction) if enough and not srm.mismatch else None,
    )


def _winner(results: list[ArmResult], direction: int) -> str | None:
    """The treatment that is best among those significantly better; control when every treatment is worse."""
    treatments = results[1:]
    better = [r for r in treatments if r.better]
    if better:
        return max(better, key=lambda r: direction * (r.uplift_abs or 0.0)).key
    if treatments and all(r.worse for r in treatments):
        return results[0].key
    return None
