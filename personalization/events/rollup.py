"""Rolling raw events up into the three rollup grains: the pure core (no Django, no I/O).

An event counts once under segment "" (everyone) and once under each segment it was
served for, so a segment's figures and the overall figures are both exact; the rows of a
segment therefore do not add up to the "" row. Distinct visitors are exact because a
whole day is rolled up at once. Events without a visitor id (no `behaviour` consent)
count, but are nobody.

The grains (personalization/events/models.py says why there are three):
- fine: day × channel × page × segment × placement × variant × experiment × arm × type,
  every type, with distinct visitors;
- hour: hour × channel × segment, the counted types side by side;
- segment day: day × channel × segment × page (None: every page), the counted types side
  by side, with the distinct visitors shown an impression.

The database aggregation (`aggregation.py`) either runs this over a day's events or
does the same in SQL; the tests hold both to this reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

ALL_SEGMENTS = ""
# The types the dashboard counts, in the order of the grains' columns (views, impressions, clicks, conversions).
COUNTED_TYPES = ("view", "impression", "click", "conversion")
_COLUMN = {type_: index for index, type_ in enumerate(COUNTED_TYPES)}
# Only conversions carry a value worth adding up (revenue-like) in the counted grains.
VALUED_TYPE = "conversion"
REACHED_TYPE = "impression"


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


class FineRow(NamedTuple):
    """One `EventRollup` row."""

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


class HourRow(NamedTuple):
    """One `HourRollup` row."""

    bucket: datetime
    channel_id: int
    segment: str
    views: int
    impressions: int
    clicks: int
    conversions: int
    value_sum: Decimal


class SegmentDayRow(NamedTuple):
    """One `SegmentDayRollup` row (`page_id` None: every page)."""

    bucket: datetime
    channel_id: int
    segment: str
    page_id: int | None
    views: int
    impressions: int
    clicks: int
    conversions: int
    value_sum: Decimal
    visitors: int


class Rollups(NamedTuple):
    """The rows of every grain, each list in first-seen order."""

    fine: list[FineRow]
    hours: list[HourRow]
    segment_days: list[SegmentDayRow]


class _Totals:
    __slots__ = ("count", "visitors", "value_sum")

    def __init__(self) -> None:
        self.count = 0
        self.visitors: set[str] = set()
        self.value_sum = Decimal(0)


class _Counted:
    __slots__ = ("counts", "visitors", "value_sum")

    def __init__(self) -> None:
        self.counts = [0] * len(COUNTED_TYPES)
        self.visitors: set[str] = set()
        self.value_sum = Decimal(0)

    def add(self, type_: str, visitor_id: str | None, value: Decimal | None) -> None:
        self.counts[_COLUMN[type_]] += 1
        if visitor_id and type_ == REACHED_TYPE:
            self.visitors.add(visitor_id)
        if value is not None and type_ == VALUED_TYPE:
            self.value_sum += value


def event_segments(segments: object) -> tuple[str, ...]:
    """The segment keys an event counts under besides "": each non-empty key once, in order."""
    if not isinstance(segments, (list, tuple)):
        return ()
    return tuple(dict.fromkeys(key for key in segments if isinstance(key, str) and key))


def _get(totals: dict, key: tuple, make: type):
    found = totals.get(key)
    if found is None:
        found = totals[key] = make()
    return found


def rollup_rows(events: Iterable[EventFacts | tuple]) -> Rollups:
    """The rows of every grain for `events` (any number of days). Buckets are UTC hours and days.

    `visitors` counts distinct non-empty visitor ids; values that are present are added.
    """
    fine: dict[tuple, _Totals] = {}
    hours: dict[tuple, _Counted] = {}
    days: dict[tuple, _Counted] = {}
    for channel_id, page_id, segments, placement, variant, experiment, arm, type_, visitor_id, occurred_at, value in events:
        hour = occurred_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        day = hour.replace(hour=0)
        page = page_id or 0
        counted = type_ in _COLUMN
        for segment in (ALL_SEGMENTS, *event_segments(segments)):
            totals = _get(fine, (day, channel_id, page, segment, placement, variant, experiment, arm, type_), _Totals)
            totals.count += 1
            if visitor_id:
                totals.visitors.add(visitor_id)
            if value is not None:
                totals.value_sum += value
            if counted:
                _get(hours, (hour, channel_id, segment), _Counted).add(type_, visitor_id, value)
                _get(days, (day, channel_id, segment, page), _Counted).add(type_, visitor_id, value)
                _get(days, (day, channel_id, segment, None), _Counted).add(type_, visitor_id, value)
    return Rollups(
        [FineRow(*key, totals.count, len(totals.visitors), totals.value_sum) for key, totals in fine.items()],
        [HourRow(*key, *totals.counts, totals.value_sum) for key, totals in hours.items()],
        [SegmentDayRow(*key, *totals.counts, totals.value_sum, len(totals.visitors)) for key, totals in days.items()],
    )
