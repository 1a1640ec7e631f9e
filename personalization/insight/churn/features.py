"""Features of a customer: behaviour now against their own earlier baseline, sentiment, CRM traits.

Behaviour compares each customer with themselves, not with others: a customer who always
came twice a month and still does is not at risk, one who came six times and now once is.
A visit is a day with activity (profiles keep event times, not sessions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

RECENT_DAYS = 30
# The baseline is the activity in this many days before the recent window (or since first seen).
BASELINE_DAYS = 150
RECENCY_CAP_DAYS = 365
SENTIMENT_TRAIT = "sentiment"

# Behaviour features, grouped into the factor an explanation names.
BEHAVIOUR_FEATURES = (
    ("visits_recent", "visits"), ("visits_baseline", "visits"), ("visits_change", "visits"),
    ("events_recent", "events"), ("events_baseline", "events"), ("events_change", "events"),
    ("days_since_visit", "recency"),
)


@dataclass(frozen=True)
class CustomerHistory:
    """What the hub knows of one customer, as of scoring (or of the training cut-off)."""

    visitor_id: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    event_times: Sequence[datetime] = ()
    traits: Mapping[str, object] = field(default_factory=dict)
    # False without consent to behaviour data: its columns are then missing (neutral), not zero.
    behaviour_known: bool = True


@dataclass(frozen=True)
class TraitField:
    """A CRM trait used as input: `kind` number, boolean or choice (one-hot over `choices`)."""

    name: str
    kind: str
    choices: tuple[str, ...] = ()

    def feature_names(self) -> list[str]:
        if self.kind == "choice":
            return [f"{self.name}={choice}" for choice in self.choices]
        return [self.name]


@dataclass(frozen=True)
class FeatureSpec:
    """Which inputs a model reads; stored with it so scoring builds the same columns."""

    traits: tuple[TraitField, ...] = ()
    behaviour: bool = True
    sentiment: bool = True

    def names(self) -> list[str]:
        """Column names, in matrix order."""
        names = [name for name, _ in BEHAVIOUR_FEATURES] if self.behaviour else []
        if self.sentiment:
            names.append(SENTIMENT_TRAIT)
        for trait in self.traits:
            names += trait.feature_names()
        return names

    def factors(self) -> list[str]:
        """The factor (what an explanation names) of each column, in matrix order."""
        factors = [factor for _, factor in BEHAVIOUR_FEATURES] if self.behaviour else []
        if self.sentiment:
            factors.append(SENTIMENT_TRAIT)
        for trait in self.traits:
            factors += [trait.name] * len(trait.feature_names())
        return factors

    def as_json(self) -> dict:
        return {
            "behaviour": self.behaviour,
            "sentiment": self.sentiment,
            "traits": [{"name": t.name, "kind": t.kind, "choices": list(t.choices)} for t in self.traits],
        }

    @classmethod
    def from_json(cls, data: Mapping) -> FeatureSpec:
        traits = tuple(TraitField(t["name"], t["kind"], tuple(t.get("choices") or ())) for t in data.get("traits", ()))
        return cls(traits=traits, behaviour=bool(data.get("behaviour", True)), sentiment=bool(data.get("sentiment", True)))


@dataclass(frozen=True)
class Activity:
    """Per-month visit and event rates now and in the customer's baseline, and days since the last visit."""

    visits_recent: float
    visits_baseline: float
    events_recent: float
    events_baseline: float
    days_since_visit: float


def activity(history: CustomerHistory, as_of: datetime) -> Activity:
    """Rates per 30 days: the recent window, and the baseline window before it (shortened to the
    time since first seen, so a new customer's baseline is not diluted by months they were not there)."""
    recent_start = as_of - timedelta(days=RECENT_DAYS)
    baseline_start = recent_start - timedelta(days=BASELINE_DAYS)
    if history.first_seen is not None:
        baseline_start = max(baseline_start, history.first_seen)
    baseline_days = max((recent_start - baseline_start).total_seconds() / 86400, 0.0)
    recent_events = baseline_events = 0
    recent_days: set = set()
    baseline_days_active: set = set()
    latest_event = None
    for at in history.event_times:
        if at >= as_of:
            continue
        if latest_event is None or at > latest_event:
            latest_event = at
        if at >= recent_start:
            recent_events += 1
            recent_days.add(at.date())
        elif at >= baseline_start:
            baseline_events += 1
            baseline_days_active.add(at.date())
    months = baseline_days / RECENT_DAYS
    last = history.last_seen
    if latest_event is not None and (last is None or last > as_of or latest_event > last):
        last = latest_event
    if last is None or last > as_of:
        days_since = float(RECENCY_CAP_DAYS) if last is None else 0.0
    else:
        days_since = min((as_of - last).total_seconds() / 86400, RECENCY_CAP_DAYS)
    return Activity(
        visits_recent=float(len(recent_days)),
        # No baseline time (a customer newer than the window): their baseline is what they do now.
        visits_baseline=len(baseline_days_active) / months if months >= 0.5 else float(len(recent_days)),
        events_recent=float(recent_events),
        events_baseline=baseline_events / months if months >= 0.5 else float(recent_events),
        days_since_visit=days_since,
    )


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def feature_row(history: CustomerHistory, spec: FeatureSpec, as_of: datetime) -> list[float]:
    """One customer's columns (NaN where a value is missing; the model imputes its training mean)."""
    row: list[float] = []
    if spec.behaviour and not history.behaviour_known:
        row += [math.nan] * len(BEHAVIOUR_FEATURES)
    elif spec.behaviour:
        act = activity(history, as_of)
        row += [
            act.visits_recent, act.visits_baseline, act.visits_recent - act.visits_baseline,
            act.events_recent, act.events_baseline, act.events_recent - act.events_baseline,
            act.days_since_visit,
        ]
    if spec.sentiment:
        row.append(_number(history.traits.get(SENTIMENT_TRAIT)))
    for trait in spec.traits:
        value = history.traits.get(trait.name)
        if trait.kind == "choice":
            if value is None:
                row += [math.nan] * len(trait.choices)
            else:
                row += [1.0 if value == choice else 0.0 for choice in trait.choices]
        elif trait.kind == "boolean":
            row.append(float(value) if isinstance(value, bool) else math.nan)
        else:
            row.append(_number(value))
    return row


def feature_matrix(histories: Sequence[CustomerHistory], spec: FeatureSpec, as_of: datetime) -> np.ndarray:
    """The matrix of `histories` (one row each) under `spec`."""
    width = len(spec.names())
    if not histories:
        return np.empty((0, width))
    return np.asarray([feature_row(history, spec, as_of) for history in histories], dtype=float).reshape(len(histories), width)
