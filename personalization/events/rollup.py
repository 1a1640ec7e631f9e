"""Rolling raw events up into hour and day rows: the pure core (no Django, no I/O).

An event counts once under segment "" (everyone) and once under each segment it was
served for, so a segment's figures and the overall figures are both exact; the rows of a
segment therefore do not add up to the "" row. Distinct visitors are exact because a
whole day is rolled up at once: a day row's visitors are the union of its hours' visitors,
never a sum. Events without a visitor id (no `behaviour` consent) count, but are nobody.

The database aggregation (`aggregation.py`) either runs this over a day's events or
does the same in SQL; the tests hold both to this reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

HOUR = "hour"
DAY = "day"
ALL_SEGMENTS = ""


class EventFacts(NamedTuple):
    """What rolling up reads of one raw event (the column order of `aggregation.EVENT_COLUMNS`)."""

    channel_id: int
    page_id: int | None
    segments: Sequence[str]
    placement: str
    variant: str
    experiment: str
    arm: str
    type: str
    visitor_id: str | None
    occurred_at: datetime  # aware
    value: Decimal | None


class RollupRow(NamedTuple):
    """One rollup row, as `EventRollup` stores it (in the order of its fields)."""

    granularity: str
    bucket: datetime
    channel_id: int
    page_id: int
    segment: str
    placement: str
    variant: str
    experiment: str
    arm: str
    type: str
    count: int
    visitors: int
    value_sum: Decimal


# (bucket, channel_id, page_id, segment, placement, variant, experiment, arm, type)
_Key = tuple[datetime, int, int, str, str, str, str, str, str]


class _Totals:
    __slots__ = ("count", "visitors", "value_sum")

    def __init__(self) -> None:
        self.count = 0
        self.visitors: set[str] = set()
        self.value_sum = Decimal(0)


def event_segments(segments: object) -> tuple[str, ...]:
    """The segment keys an event counts under besides "": each non-empty key once, in order."""
    if not isinstance(segments, (list, tuple)):
        return ()
    return tuple(dict.fromkeys(key for key in segments if isinstance(key, str) and key))


def rollup_rows(events: Iterable[EventFacts | tuple]) -> list[RollupRow]:
    """The hour and day rows of `events` (any number of days): hour rows first, each in first-seen order.

    Buckets are UTC hours and days. A row's `visitors` counts distinct non-empty visitor
    ids; `value_sum` adds the values that are present.
    """
    hours: dict[_Key, _Totals] = {}
    for channel_id, page_id, segments, placement, variant, experiment, arm, type_, visitor_id, occurred_at, value in events:
        hour = occurred_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        for segment in (ALL_SEGMENTS, *event_segments(segments)):
            key = (hour, channel_id, page_id or 0, segment, placement, variant, experiment, arm, type_)
            totals = hours.get(key)
            if totals is None:
                totals = hours[key] = _Totals()
            totals.count += 1
            if visitor_id:
                totals.visitors.add(visitor_id)
            if value is not None:
                totals.value_sum += value
    days: dict[_Key, _Totals] = {}
    for key, totals in hours.items():
        day_key = (key[0].replace(hour=0), *key[1:])
        day = days.get(day_key)
        if day is None:
            day = days[day_key] = _Totals()
        day.count += totals.count
        day.visitors |= totals.visitors
        day.value_sum += totals.value_sum
    return _rows(HOUR, hours) + _rows(DAY, days)


def _rows(granularity: str, totals_by_key: dict[_Key, _Totals]) -> list[RollupRow]:
    return [
        RollupRow(granularity, *key, totals.count, len(totals.visitors), totals.value_sum)
        for key, totals in totals_by_key.items()
    ]
