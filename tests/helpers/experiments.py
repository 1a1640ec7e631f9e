"""Experiments' test data: four visitors in two arms, with events before and after their exposure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

from personalization.events.models import Event
from personalization.experiments.exposures import record_exposures
from personalization.experiments.spec import ResultsSpec

START = datetime(2026, 3, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
_ids = count()

SPEC = ResultsSpec(
    experiment="hero-test", arms=[("control", 1), ("treat", 1)], control="control", goal_type="conversion",
    kind="binomial", guardrails=[("purchase", "mean")], start=START,
)


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def event(visitor: str | None, when: datetime, type_: str = "conversion", value: str | None = None, **extra) -> Event:
    return Event(
        channel_id=1, event_id=f"e{next(_ids)}", type=type_, visitor_id=visitor, occurred_at=when,
        received_at=when, value=Decimal(value) if value else None, **extra,
    )


def hero_experiment() -> None:
    """Four visitors in two arms with conversions and purchases before and after their first exposure."""
    record_exposures([
        ("hero-test", "control", "v1", 1, at(1, 10)),
        ("hero-test", "treat", "v3", 1, at(1, 8)),
        ("hero-test", "control", "v2", 1, at(2, 9)),
        ("hero-test", "treat", "v4", 1, at(3, 11)),
        ("hero-test", "holdout", "v5", 1, at(1, 12)),  # not an analysed arm
        ("other-test", "a", "v1", 1, at(1, 1)),
    ])
    # Later exposures change nothing (v1 stays in control from the 1st); an earlier one
    # reported late moves v3's first exposure back (and in the same batch, twice).
    record_exposures([
        ("hero-test", "treat", "v1", 1, at(2, 10)),
        ("hero-test", "treat", "v3", 1, at(1, 7)),
        ("hero-test", "treat", "v3", 1, at(1, 9)),
    ])
    Event.objects.bulk_create([
        event("v1", at(1, 9)),  # before v1's exposure: its covariate, not a conversion
        event("v1", at(2, 12)),
        event("v3", at(1, 9)),
        event("v3", at(3, 9)),  # converted already: changes nothing
        event("v4", at(3, 10)),  # an hour before v4's exposure
        event("v5", at(2, 10)),
        event(None, at(2, 10)),
        event("v2", at(2, 10), type_="click"),
        event("v1", at(2, 13), type_="purchase", value="10"),
        event("v1", at(3, 13), type_="purchase", value="5"),
        event("v3", at(2, 13), type_="purchase", value="7"),
        event("v2", at(20, 9, month=2), type_="purchase", value="3"),  # within 14 days before v2's exposure
        event("v2", at(10, 9, month=2), type_="purchase", value="100"),  # earlier than that
        event("v4", at(5, 9), type_="purchase", value="50"),  # after now
    ])
