"""Raw events for aggregation tests, and the rollup rows the pure core makes of them (per grain)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from personalization.events.aggregation import EVENT_COLUMNS, GRAINS
from personalization.events.models import Event
from personalization.events.rollup import rollup_rows

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SEGMENTS = ["fans", "new", "vip", "lapsed"]


def random_events(rng: random.Random, n: int, *, days: int = 3, received_at: datetime | None = None) -> list[Event]:
    """`n` events over the `days` UTC days before NOW's day, received at `received_at` (default: an hour ago)."""
    events = []
    for _ in range(n):
        occurred = NOW.replace(hour=0) - timedelta(days=rng.randrange(days), seconds=-rng.randrange(86_400))
        type_ = rng.choice(["impression", "impression", "click", "conversion"])
        events.append(Event(
            channel_id=rng.choice([1, 2]),
            event_id=f"e{rng.getrandbits(64):x}",
            type=type_,
            visitor_id=rng.choice([None, "", *[f"v{i}" for i in range(12)]]),
            occurred_at=occurred,
            received_at=received_at or NOW - timedelta(hours=1),
            page_id=rng.choice([None, 3, 4]),
            placement=rng.choice(["", "hero"]),
            variant=rng.choice(["", "a", "b"]),
            experiment=rng.choice(["", "spring"]),
            arm=rng.choice(["", "control"]),
            segments=rng.sample(SEGMENTS, rng.randrange(3)),
            value=Decimal(rng.randrange(1, 10_000)) / 100 if type_ == "conversion" else None,
        ))
    return Event.objects.bulk_create(events)


def facts(event: Event) -> tuple:
    return tuple(getattr(event, column) for column in EVENT_COLUMNS)


def stored_rows() -> dict[str, Counter]:
    """Each grain's rows as value tuples (a Counter: a duplicate row would count twice)."""
    return {model.__name__: Counter(model.objects.values_list(*fields)) for model, fields in GRAINS}


def expected_rows(events: list[Event]) -> dict[str, Counter]:
    """What the core makes of `events`, as `stored_rows` has it."""
    rollups = rollup_rows(map(facts, events))
    return {model.__name__: Counter(map(tuple, rows)) for (model, _), rows in zip(GRAINS, rollups)}


