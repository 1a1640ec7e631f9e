"""A standardised logistic regression with explanations, kept as plain JSON (no pickle).

Training uses scikit-learn; scoring needs only the stored means, scales and coefficients,
so a stored model scores 100,000 customers in one matrix product. A score's reasons are its
largest contributions (coefficient × standardised value), summed per factor and put in words.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sklearn.linear_model import LogisticRegression

from .features import SENTIMENT_TRAIT, Activity, CustomerHistory, FeatureSpec, activity

TOP_REASONS = 3
BEHAVIOUR_FACTORS = frozenset({"visits", "events", "recency"})
# Logits beyond this are certain either way; clipping keeps exp() finite.
MAX_LOGIT = 50.0
# Regularisation strength of the fit (scikit-learn's C): mild, the features are few and standardised.
DEFAULT_C = 1.0


@dataclass(frozen=True)
class Reason:
    """One factor behind a score: what it is, in words, and how much it moved the log-odds."""

    factor: str
    text: str
    contribution: float

    @property
    def direction(self) -> str:
        return "raises" if self.contribution > 0 else "lowers"

    def as_json(self) -> dict:
        return {"factor": self.factor, "text": self.text, "contribution": round(self.contribution, 3), "direction": self.direction}


@dataclass
class ChurnScorer:
    """A trained model: feature spec, imputation means, scales, coefficients and intercept."""

    spec: FeatureSpec
    means: list[float]
    scales: list[float]
    coefficients: list[float]
    intercept: float

    def standardise(self, matrix: np.ndarray) -> np.ndarray:
        """Missing values take the training mean (a standardised 0: no contribution either way)."""
        means = np.asarray(self.means)
        filled = np.where(np.isnan(matrix), means, matrix)
        return (filled - means) / np.asarray(self.scales)

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        return self.standardise(matrix) * np.asarray(self.coefficients)

    def score(self, matrix: np.ndarray) -> np.ndarray:
        """Probability of leaving, in [0, 1], per row."""
        return probabilities(self.contributions(matrix).sum(axis=1) + self.intercept)

    def reasons(self, history: CustomerHistory, row: Sequence[float], as_of: datetime, top: int = TOP_REASONS) -> list[Reason]:
        """The factors raising this customer's risk most, largest first (none if nothing raises it)."""
        return self.reasons_from(history, self.contributions(np.asarray([row], dtype=float))[0], as_of, top)

    def reasons_from(self, history: CustomerHistory, contributions: Sequence[float], as_of: datetime, top: int = TOP_REASONS) -> list[Reason]:
        """As `reasons`, from the row's contributions already computed."""
        return self.reasons_many([history], np.asarray([contributions], dtype=float), as_of, top)[0]

    def _factor_sums(self) -> tuple[list[str], np.ndarray]:
        """The factors in order and the 0/1 matrix summing columns into them (columns × factors)."""
        if getattr(self, "_factors_cache", None) is None:
            factors = list(dict.fromkeys(self.spec.factors()))
            summing = np.zeros((len(self.coefficients), len(factors)))
            for column, factor in enumerate(self.spec.factors()):
                summing[column, factors.index(factor)] = 1.0
            self._factors_cache = (factors, summing)
        return self._factors_cache

    def reasons_many(self, histories: Sequence[CustomerHistory], contributions: np.ndarray, as_of: datetime, top: int = TOP_REASONS) -> list[list[Reason]]:
        """Each row's factors raising its risk most, largest first; ranked in one matrix operation,
        only the few named are put in words."""
        factors, summing = self._factor_sums()
        if not len(histories) or not factors:
            return [[] for _ in histories]
        by_factor = contributions @ summing
        order = np.argsort(-by_factor, axis=1)[:, :top]
        result = []
        for index, history in enumerate(histories):
            reasons = []
            act = None
            for column in order[index]:
                value = float(by_factor[index, column])
                if value <= 0.01:
                    break
                factor = factors[column]
                if factor in BEHAVIOUR_FACTORS and act is None:
                    act = activity(history, as_of)  # once per customer, whichever behaviour factors are named
                reasons.append(Reason(factor, self._describe(factor, history, act), value))
            result.append(reasons)
        return result

    def _describe(self, factor: str, history: CustomerHistory, act: Activity | None) -> str:
        if act is not None and factor in BEHAVIOUR_FACTORS:
            if factor == "recency":
                return f"no visit for {act.days_since_visit:.0f} days"
            now, before = (act.visits_recent, act.visits_baseline) if factor == "visits" else (act.events_recent, act.events_baseline)
            verb = "fell" if now < before else "rose" if now > before else "stayed"
            if verb == "stayed":
                return f"{factor} stayed at {_figure(now)}/month"
            return f"{factor} {verb} from {_figure(before)}/month to {_figure(now)}"
        value = history.traits.get(factor)
        if factor == SENTIMENT_TRAIT and isinstance(value, (int, float)):
            return f"sentiment {_signed(float(value))} over 30 days"
        if getattr(self, "_fields_cache", None) is None:
            self._fields_cache = {trait.name: trait for trait in self.spec.traits}
        field = self._fields_cache.get(factor)
        if field is None or value is None:
            return f"{factor}: unknown"
        if field.kind == "boolean":
            return f"{factor}: {'yes' if value else 'no'}"
        if field.kind == "choice":
            return f"{factor}: {value}"
        typical = self.means[self._column(factor)]
        side = "high" if float(value) > typical else "low"
        return f"{factor} {side}: {_figure(float(value))} (typical {_figure(typical)})"

    def _column(self, name: str) -> int:
        if getattr(self, "_columns_cache", None) is None:
            self._columns_cache = {column: index for index, column in enumerate(self.spec.names())}
        return self._columns_cache[name]

    def weights(self) -> list[dict]:
        """Each column's coefficient on the standardised scale, largest effect first."""
        pairs = sorted(zip(self.spec.names(), self.coefficients), key=lambda pair: -abs(pair[1]))
        return [{"feature": name, "coefficient": round(value, 4)} for name, value in pairs]

    def as_json(self) -> dict:
        return {
            "spec": self.spec.as_json(), "means": self.means, "scales": self.scales,
            "coefficients": self.coefficients, "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> ChurnScorer:
        spec = FeatureSpec.from_json(data["spec"])
        width = len(spec.names())
        vectors = [list(map(float, data[key])) for key in ("means", "scales", "coefficients")]
        if any(len(vector) != width for vector in vectors):
            raise ValueError(f"model has {len(vectors[0])} columns, its spec {width}")
        return cls(spec, *vectors, intercept=float(data["intercept"]))


def probabilities(logits: np.ndarray) -> np.ndarray:
    """The logistic function of each logit, without overflow."""
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -MAX_LOGIT, MAX_LOGIT)))


def _figure(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.1f}"


def _signed(value: float) -> str:
    return f"{'−' if value < 0 else '+'}{abs(value):.1f}"


def fit_standardisation(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means (ignoring missing values) and scales; a constant or empty column gets scale 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # an all-missing column: its mean is NaN, set to 0
        means = np.nanmean(matrix, axis=0) if len(matrix) else np.zeros(matrix.shape[1])
    means = np.where(np.isnan(means), 0.0, means)
    filled = np.where(np.isnan(matrix), means, matrix)
    scales = filled.std(axis=0) if len(matrix) else np.ones(matrix.shape[1])
    # A column constant up to rounding (every customer seen the same day) carries no information:
    # dividing by its float noise would turn a later, different value into an enormous contribution.
    constant = np.isnan(scales) | (scales <= 1e-9 * np.maximum(1.0, np.abs(means)))
    scales = np.where(constant, 1.0, scales)
    return means, scales


def train(matrix: np.ndarray, labels: Sequence[int], spec: FeatureSpec, *, c: float = DEFAULT_C) -> ChurnScorer:
    """Fit on `matrix` (rows under `spec`, NaN for missing) and `labels` (1 left, 0 stayed).

    Both classes must be present: a model that has only seen stayers cannot rank anyone.
    """
    y = np.asarray(labels, dtype=int)
    if len(set(y.tolist())) < 2:
        raise ValueError("the labels need customers who left and customers who stayed")
    means, scales = fit_standardisation(matrix)
    filled = np.where(np.isnan(matrix), means, matrix)
    fit = LogisticRegression(C=c, max_iter=1000).fit((filled - means) / scales, y)
    return ChurnScorer(
        spec=spec, means=means.tolist(), scales=scales.tolist(),
        coefficients=[float(value) for value in fit.coef_[0]], intercept=float(fit.intercept_[0]),
    )


def is_finite_model(scorer: ChurnScorer) -> bool:
    """A stored model is usable only if every number is finite (fail closed on a corrupt row)."""
    return all(math.isfinite(value) for value in [*scorer.means, *scorer.scales, *scorer.coefficients, scorer.intercept])
