"""90 days of synthetic events for the demo hub, so the dashboards have something to show.

Visitors are stable: each has a channel, zero to two segments and the variant those
segments are served. A visit shows a placement (an impression) and a page (a view);
some visitors click, and some of those convert, with a value. The funnel rates depend
on the segment and the variant; traffic grows over the period and peaks at weekends.
One segment (`DROP_SEGMENT`, else the second one) has a clear drop: for the last
`DROP_DAYS` days its visitors click and convert far less, the kind of change the
dashboard is there to catch.

Deterministic (a seeded random, times relative to the hour it first runs) and written
once: a second run finds the demo's events and writes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from personalization.events.aggregation import WATERMARK, aggregate_pending, aggregate_rebuild
from personalization.events.inserts import rows_insert
from personalization.events.models import Event, RollupWatermark

DAYS = 90
VISITORS = 2_500
VISITS_PER_DAY = 450  # at the start; traffic grows by half over the period
DROP_SEGMENT = "mobile-returning"
DROP_DAYS = 21
EVENT_PREFIX = "demo-"
CHANNEL_WEIGHTS = (60, 25, 10, 5)  # web, mobile, email, kiosk: the order the demo makes them
EVENT_FIELDS = ("channel_id", "event_id", "type", "visitor_id", "occurred_at", "received_at", "page_id", "placement",
                "variant", "experiment", "arm", "segments", "value", "properties")

Progress = Callable[[Iterable, str], Iterable]


@dataclass(frozen=True)
class DemoVisitor:
    id: str | None  # None: no behaviour consent
    channel_id: int
    segments: tuple[str, ...]
    variant: str


def demo_events_seed(
    *, channels: Iterable, pages: Iterable, segments: Iterable, placements: Sequence[str],
    progress: Progress | None = None, now: datetime | None = None,
) -> int:
    """Write the demo's events (channels, pages and segments are the demo's objects) and roll them up.

    Returns how many events were written: 0 when the demo's events are already there.
    """
    progress = progress or (lambda items, label: items)
    if Event.objects.filter(event_id__startswith=EVENT_PREFIX).exists():
        return 0
    # Up to the last whole hour (well past the aggregation lag); the last day is never empty.
    now = now or timezone.now()
    end = (now - timedelta(minutes=1)).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = (end - timedelta(hours=1)).replace(hour=0) - timedelta(days=DAYS - 1)
    keys = [segment.key for segment in segments]
    drop = DROP_SEGMENT if DROP_SEGMENT in keys or not keys else keys[1 % len(keys)]
    rng = random.Random(12)
    visitors = _visitors(rng, [channel.pk for channel in channels], keys)
    page_ids = [page.pk for page in pages]
    written = 0
    with transaction.atomic():
        for offset in progress(range(DAYS), "days of demo events"):
            day = start + timedelta(days=offset)
            events = _day(rng, day, min(end, day + timedelta(days=1)), offset, visitors, page_ids, placements, drop)
            written += rows_insert(Event, EVENT_FIELDS, events)
    _aggregate(start, now, progress)
    return written


def _visitors(rng: random.Random, channel_ids: list[int], keys: list[str]) -> list[DemoVisitor]:
    weights = [*CHANNEL_WEIGHTS, *[1] * len(channel_ids)][: len(channel_ids)]
    visitors = []
    for n in range(VISITORS):
        segments = tuple(sorted(set(rng.choices(keys, k=rng.choice((0, 1, 1, 2)))))) if keys else ()
        # The variant of the first of the visitor's segments that has one (v1, v2, v3: the first three).
        variant = next((f"v{keys.index(key) + 1}" for key in segments if keys.index(key) < 3), "default")
        visitors.append(DemoVisitor(
            id=f"demo-visitor-{n:04d}" if rng.random() < 0.9 else None,
            channel_id=rng.choices(channel_ids, weights=weights)[0],
            segments=segments,
            variant=variant,
        ))
    return visitors


def _rates(visitor: DemoVisitor, offset: int, drop: str) -> tuple[float, float]:
    """Click-through and conversion-after-click rates of a visitor on day `offset`."""
    click, convert = 0.08, 0.12
    if visitor.variant != "default":
        click, convert = click * 1.4, convert * 1.2  # personalised content works better
    if "gold-members" in visitor.segments:
        convert *= 1.8
    if drop in visitor.segments and offset >= DAYS - DROP_DAYS:
        click, convert = click * 0.35, convert * 0.5
    return click, convert


def _day(rng, day, until, offset, visitors, page_ids, placements, drop) -> list[tuple]:
    """The events of one day, as `EVENT_FIELDS` tuples."""
    seconds = int((until - day).total_seconds())
    weekend = 1.3 if day.weekday() >= 5 else 1.0
    visits = int(VISITS_PER_DAY * (1 + 0.5 * offset / DAYS) * weekend * rng.uniform(0.9, 1.1))
    events = []
    for n in range(visits):
        visitor = rng.choice(visitors)
        page_id = rng.choice(page_ids[: 1 + int(len(page_ids) * rng.random() ** 2)])  # a few pages get most traffic
        placement = rng.choice(placements)
        at = day + timedelta(seconds=rng.randrange(seconds))
        click, convert = _rates(visitor, offset, drop)
        funnel = [("view", 0, None), ("impression", 1, None)]
        if rng.random() < click:
            funnel.append(("click", 20, None))
            if rng.random() < convert:
                funnel.append(("conversion", 300, Decimal(rng.randrange(1_500, 12_000)) / 100))
        for type_, later, value in funnel:
            occurred = min(at + timedelta(seconds=later), until - timedelta(seconds=1))
            shown = type_ != "view"  # a view is of the page, the others of the placement
            events.append((
                visitor.channel_id, f"{EVENT_PREFIX}{offset}-{n}-{type_}", type_, visitor.id, occurred,
                occurred + timedelta(seconds=2), page_id, placement if shown else "", visitor.variant if shown else "",
                "", "", list(visitor.segments), value, {},
            ))
    return events


def _aggregate(start: datetime, now: datetime, progress: Progress) -> None:
    """Roll the demo's events up: the usual incremental run, unless the watermark is already past them."""
    watermark = RollupWatermark.objects.filter(name=WATERMARK).values_list("received_until", flat=True).first()

    def rollup_progress(items: Iterable, label: str) -> Iterable:
        return progress(items, f"event rollups ({label})")

    if watermark is None or watermark <= start:
        aggregate_pending(now=now, progress=rollup_progress)
    else:
        aggregate_rebuild(since=start.date(), progress=rollup_progress)
