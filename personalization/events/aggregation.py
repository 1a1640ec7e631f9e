"""Incremental aggregation: raw events → the rollup grains, per touched UTC day, from a watermark.

A run reads which (channel, UTC day) pairs received events in [watermark, now − lag),
rebuilds every row of those days from all their raw events, then moves the watermark.
Rebuilding whole days (never adding to a row) keeps distinct visitors exact and makes a
run idempotent; moving the watermark last makes it resumable: a run that dies midway
leaves every day it finished correct and the next run redoes the lot. The lag covers
batches whose `received_at` was taken before a commit that lands after the run reads.

Each day is deleted and rebuilt in one transaction that first locks that day (`_lock`),
so two runs (beat and an operator's command) rebuild a day one after the other, and a
dashboard never sees a day half rebuilt. Days are read by `occurred_at` ranges, so on
PostgreSQL only that day's partition of the raw table is scanned.

PostgreSQL rolls a day up in one statement: the day's events, crossed with their
segments, are read once (a materialised CTE) and grouped into each grain by an INSERT of
its own. Other databases stream the day's events through the pure core (`rollup.py`),
which is also the reference the SQL is tested against.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import TruncDay
from django.utils import timezone

from personalization.events.inserts import rows_insert
from personalization.events.models import Event, EventRollup, HourRollup, RollupWatermark, SegmentDayRollup
from personalization.events.rollup import (
    COUNTED_TYPES, REACHED_TYPE, VALUED_TYPE, FineRow, HourRow, SegmentDayRow, rollup_rows,
)

WATERMARK = "event-rollups"
# Days rebuilt at once on PostgreSQL: one statement per day uses one core, and this machine has two.
PARALLEL_DAYS = 2
# The first key of the per-day advisory locks (the second is the day's ordinal): "rollup" in ASCII.
_LOCK_CLASS = 0x726F6C6C
# Before the first run every event is new.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The order of `rollup.EventFacts`.
EVENT_COLUMNS = ("channel_id", "page_id", "segments", "placement", "variant", "experiment", "arm", "type",
                 "visitor_id", "occurred_at", "value")
# Each grain's model with the fields of its rows, in the order of `rollup.Rollups`.
GRAINS = ((EventRollup, FineRow._fields), (HourRollup, HourRow._fields), (SegmentDayRollup, SegmentDayRow._fields))

Progress = Callable[[Iterable, str], Iterable]
RollupDay = Callable[[datetime, list[int]], int]  # (UTC midnight, channel ids) -> rows written


def _no_progress(items: Iterable, label: str) -> Iterable:
    return items


def aggregate_pending(*, now: datetime | None = None, progress: Progress | None = None) -> dict:
    """Roll up the events received since the watermark (up to `now` − the lag) and move the watermark.

    Returns what it did: days rebuilt, rollup rows written, the new watermark (ISO).
    """
    until = (now or timezone.now()) - timedelta(seconds=settings.EVENTS_AGGREGATION_LAG_SECONDS)
    since = _watermark().received_until
    if since >= until:
        return {"days": 0, "rows": 0, "received_until": since.isoformat()}
    touched = Event.objects.filter(received_at__gte=since, received_at__lt=until)
    rows, days = _rebuild(_days_of(touched), progress or _no_progress)
    # Only forward: a slower concurrent run must not move it back.
    RollupWatermark.objects.filter(name=WATERMARK, received_until__lt=until).update(received_until=until)
    return {"days": days, "rows": rows, "received_until": until.isoformat()}


def aggregate_rebuild(*, since: date, until: date | None = None, progress: Progress | None = None) -> dict:
    """Rebuild the rollups of every day from `since` to `until` (inclusive; default today) that has raw events.

    For operators after a backfill or a fix. Days without raw events keep their rollups:
    retention purges raw events but the aggregates stay.
    """
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(until or timezone.now().date(), datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    rows, days = _rebuild(_days_of(Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end)),
                          progress or _no_progress)
    return {"days": days, "rows": rows}


def _days_of(events) -> dict[datetime, list[int]]:
    """The UTC days (as aware midnights) of `events`, each with the channels that have events then."""
    pairs = events.annotate(day=TruncDay("occurred_at", tzinfo=UTC)).values_list("day", "channel_id").distinct()
    channels: dict[datetime, list[int]] = defaultdict(list)
    for day, channel_id in pairs:
        channels[day].append(channel_id)
    return dict(sorted(channels.items()))


def _watermark() -> RollupWatermark:
    return RollupWatermark.objects.get_or_create(name=WATERMARK, defaults={"received_until": EPOCH})[0]


def _rebuild(
    channels_by_day: dict[datetime, list[int]], progress: Progress, rollup_day: RollupDay | None = None
) -> tuple[int, int]:
    """Rebuild each day for its channels, one transaction per day; returns (rows written, days).

    On PostgreSQL, outside a transaction, PARALLEL_DAYS days are rebuilt at once, each on a
    connection of its own (inside one, other connections could not see its uncommitted events).
    """
    rollup_day = rollup_day or (_rollup_day_sql if connection.vendor == "postgresql" else _rollup_day_python)
    _watermark()  # exists before a rebuild locks it (databases other than PostgreSQL)

    def rebuild(day: datetime) -> int:
        channels = sorted(channels_by_day[day])
        with transaction.atomic():
            _lock(day)
            # A raw DELETE: rollups are derived data, and the post_delete receivers other apps
            # connect for every model would otherwise have Django load each row before deleting it.
            for model, _ in GRAINS:
                stale = model.objects.filter(bucket__gte=day, bucket__lt=day + timedelta(days=1), channel_id__in=channels)
                stale._raw_delete(stale.db)
            return rollup_day(day, channels)

    days = progress(list(channels_by_day), "days")
    if connection.vendor != "postgresql" or connection.in_atomic_block or len(channels_by_day) < 2:
        return sum(rebuild(day) for day in days), len(channels_by_day)

    def rebuild_in_thread(day: datetime) -> int:
        try:
            return rebuild(day)
        finally:
            connection.close()  # the thread's own connection

    written, running = 0, deque()
    with ThreadPoolExecutor(PARALLEL_DAYS) as pool:
        for day in days:  # submitted as the progress bar moves; at most PARALLEL_DAYS at once
            running.append(pool.submit(rebuild_in_thread, day))
            if len(running) >= PARALLEL_DAYS:
                written += running.popleft().result()
        written += sum(future.result() for future in running)
    return written, len(channels_by_day)


def _lock(day: datetime) -> None:
    """Wait until no other transaction rebuilds `day` (held until this transaction ends).

    PostgreSQL locks the day alone (an advisory lock), so days rebuild side by side; other
    databases lock the watermark row (SQLite writes one transaction at a time anyway).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, day.toordinal()])
    else:
        list(RollupWatermark.objects.select_for_update().filter(name=WATERMARK).values_list("pk"))


def _rollup_day_python(day: datetime, channels: list[int]) -> int:
    events = Event.objects.filter(
        channel_id__in=channels, occurred_at__gte=day, occurred_at__lt=day + timedelta(days=1)
    ).values_list(*EVENT_COLUMNS)
    rollups = rollup_rows(events.iterator(chunk_size=5_000))
    return sum(rows_insert(model, fields, rows) for (model, fields), rows in zip(GRAINS, rollups))


# Segments as the core reads them: each non-empty string key once, beside "" for everyone.
# Each grain groups the same materialised rows (read once); GROUPING SETS give the segment
# grain its rows per page and for every page (page_id NULL) in one pass. Byte order ("C")
# sorts the grouping keys faster than the database's collation, with the same equality.
# The fine grain counts distinct visitors in two hashed steps (per visitor, then per key)
# rather than with count(DISTINCT), which would sort every row.
_ROLLUP_SQL = """
WITH x AS MATERIALIZED (
    SELECT date_trunc('hour', e.occurred_at, 'UTC') AS hour, e.channel_id, COALESCE(e.page_id, 0) AS page_id,
           s.segment COLLATE "C" AS segment, e.placement COLLATE "C" AS placement,
           e.variant COLLATE "C" AS variant, e.experiment COLLATE "C" AS experiment, e.arm COLLATE "C" AS arm,
           e.type COLLATE "C" AS type, NULLIF(e.visitor_id, '') COLLATE "C" AS visitor_id, e.value
    FROM {event} e
    CROSS JOIN LATERAL (
        SELECT ''
        UNION ALL
        SELECT DISTINCT k.key #>> '{{}}'
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(e.segments) = 'array' THEN e.segments END) AS k(key)
        WHERE jsonb_typeof(k.key) = 'string' AND k.key <> '""'::jsonb
    ) AS s(segment)
    WHERE e.channel_id = ANY(%(channels)s) AND e.occurred_at >= %(day)s AND e.occurred_at < %(next_day)s
), fine AS (
    INSERT INTO {fine} (bucket, channel_id, page_id, segment, placement, variant, experiment, arm, type,
                        count, visitors, value_sum)
    SELECT %(day)s, channel_id, page_id, segment, placement, variant, experiment, arm, type,
           sum(n), count(visitor_id), COALESCE(sum(value_sum), 0)
    FROM (
        SELECT channel_id, page_id, segment, placement, variant, experiment, arm, type, visitor_id,
               count(*) AS n, sum(value) AS value_sum
        FROM x
        GROUP BY channel_id, page_id, segment, placement, variant, experiment, arm, type, visitor_id
    ) AS per_visitor
    GROUP BY channel_id, page_id, segment, placement, variant, experiment, arm, type
    RETURNING 1
), hours AS (
    INSERT INTO {hour} (bucket, channel_id, segment, views, impressions, clicks, conversions, value_sum)
    SELECT hour, channel_id, segment, {counted}
    FROM x
    WHERE type = ANY(%(counted)s)
    GROUP BY hour, channel_id, segment
    RETURNING 1
), days AS (
    INSERT INTO {segment_day} (bucket, channel_id, segment, page_id, views, impressions, clicks, conversions,
                               value_sum, visitors)
    SELECT %(day)s, channel_id, segment, page_id, {counted},
           count(DISTINCT visitor_id) FILTER (WHERE type = '{reached}')
    FROM x
    WHERE type = ANY(%(counted)s)
    GROUP BY GROUPING SETS ((channel_id, segment, page_id), (channel_id, segment))
    RETURNING 1
)
SELECT (SELECT count(*) FROM fine) + (SELECT count(*) FROM hours) + (SELECT count(*) FROM days)
"""
_COUNTED_SQL = ", ".join(
    [f"count(*) FILTER (WHERE type = '{type_}')" for type_ in COUNTED_TYPES]
    + [f"COALESCE(sum(value) FILTER (WHERE type = '{VALUED_TYPE}'), 0)"]
)


def _rollup_day_sql(day: datetime, channels: list[int]) -> int:
    sql = _ROLLUP_SQL.format(
        event=Event._meta.db_table, fine=EventRollup._meta.db_table, hour=HourRollup._meta.db_table,
        segment_day=SegmentDayRollup._meta.db_table, counted=_COUNTED_SQL, reached=REACHED_TYPE,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"day": day, "next_day": day + timedelta(days=1), "channels": channels,
                             "counted": list(COUNTED_TYPES)})
        return cursor.fetchone()[0]
