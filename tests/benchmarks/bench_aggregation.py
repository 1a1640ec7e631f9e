"""Benchmark of event aggregation on PostgreSQL: 1,000,000 raw events over 90 days × 100 segments.

Run: .venv/bin/python tests/benchmarks/bench_aggregation.py        (or `make bench`)
Target (issue #12): aggregating 1,000,000 events takes ≤ 30 s.

What it does:
1. a PostgreSQL database of its own (BENCH_AGGREGATION_DATABASE, default
   `tailor_bench_aggregation`, on the server of BENCH_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/), migrated (a no-op
   once it is), its event tables emptied;
2. BENCH_EVENTS (1,000,000) raw events inserted in one INSERT … SELECT over
   generate_series, with a seeded random(): 90 days, 2 channels, 20 pages, 2 placements
   (one of them an experiment whose arm is the variant), impression → click → conversion
   proportions, values on conversions; 50,000 visitors (90 % with consent, so a visitor
   id), each with 0 to 3 segments of 100 and the variant it is served; pages and
   visitors skewed, as traffic is; stored in the order they occurred, as ingestion appends
   them (and as PostgreSQL's day partitions keep a day together);
3. the baselines, in the same run: `SELECT count(*)` of those rows, and one GROUP BY
   (day, channel, type) with count(DISTINCT visitor_id) over them: reading every row once;
4. `aggregate_pending()` from an empty watermark: every (channel, day) rebuilt, as the
   first periodic run after a backfill would; then a second run, which must find nothing;
5. the pure-Python path (the reference core, what SQLite uses) over BENCH_PYTHON_DAYS (10)
   days, for the events/s of each path;
6. a check that the rollups count every event exactly once (segment "" rows of each grain).

Environment: BENCH_DATABASE_URL, BENCH_AGGREGATION_DATABASE, BENCH_EVENTS, BENCH_PYTHON_DAYS, BENCH_STRICT=1 to exit
non-zero when the target is missed.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/").rstrip("/")
DATABASE = os.environ.get("BENCH_AGGREGATION_DATABASE", "tailor_bench_aggregation")
EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
PYTHON_DAYS = int(os.environ.get("BENCH_PYTHON_DAYS", "10"))
DAYS = 90
VISITORS = 50_000
TARGET_SECONDS = 30.0

_started = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", flush=True)


def setup_django() -> None:
    """Django on the benchmark's own database, created if missing, migrated."""
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.base", DATABASE_URL=f"{SERVER_URL}/{DATABASE}",
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40), LOG_LEVEL="WARNING",
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "ELASTICSEARCH_URL"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    say(f"migrating {DATABASE} (a no-op once it is)")
    call_command("migrate", "--noinput", verbosity=0)


# One row per event; random() is seeded in the same transaction, so every run inserts the same events.
# Visitors are stable: each has its segments (0 to 3 of 100, popular ones more often) and the
# variant it is served; pages and visitors are skewed (a few get most of the traffic).
INSERT_EVENTS = """
WITH visitors AS (
    SELECT v, random() < 0.9 AS consent, (ARRAY['a', 'b'])[1 + floor(random() * 2)::int] AS variant,
           -- v * 0 correlates the subquery, so it is drawn again for every visitor
           (SELECT coalesce(jsonb_agg(DISTINCT 's' || floor(power(random(), 2) * 100)::int), '[]'::jsonb)
            FROM generate_series(1, floor(random() * 4)::int + v * 0)) AS segments
    FROM generate_series(0, %(visitors)s - 1) AS v
), generated AS (
    SELECT i, floor(power(random(), 2) * %(visitors)s)::int AS v,
           1 + (random() < 0.3)::int AS channel,
           (ARRAY['impression','impression','impression','impression','impression','impression',
                  'impression','view','view','click','click','conversion'])[1 + floor(random() * 12)::int] AS type,
           %(start)s::timestamptz + (i::float8 / %(events)s) * interval '{days} days' AS occurred,
           1 + floor(power(random(), 3) * 20)::int AS page,
           (ARRAY['hero', 'sidebar'])[1 + floor(random() * 2)::int] AS placement
    FROM generate_series(0, %(events)s - 1) AS i
)
INSERT INTO {event} (channel_id, event_id, type, visitor_id, occurred_at, received_at, page_id, placement,
                     variant, experiment, arm, segments, value, properties)
SELECT channel, 'bench-' || i, type, CASE WHEN consent THEN 'v' || v END, occurred, occurred + interval '2 seconds',
       page, placement, variant,
       CASE WHEN placement = 'hero' THEN 'spring' ELSE '' END, CASE WHEN placement = 'hero' THEN variant ELSE '' END,
       segments, CASE WHEN type = 'conversion' THEN round((5 + random() * 95)::numeric, 2) END, '{{}}'::jsonb
FROM generated JOIN visitors USING (v)
ORDER BY i
"""


def insert_events() -> None:
    from datetime import UTC, datetime

    from django.db import connection, transaction

    from personalization.events.aggregation import GRAINS
    from personalization.events.models import Event, RollupWatermark

    say(f"emptying the event tables, inserting {EVENTS:,} events over {DAYS} days (generate_series)")
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Event, RollupWatermark, *(model for model, _ in GRAINS)):
            cursor.execute(f"TRUNCATE {model._meta.db_table}")
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(INSERT_EVENTS.format(event=Event._meta.db_table, days=DAYS),
                       {"start": datetime(2026, 1, 1, tzinfo=UTC), "events": EVENTS, "visitors": VISITORS})
        cursor.execute(f"ANALYZE {Event._meta.db_table}")
    say(f"inserted in {time.monotonic() - started:.1f}s")


def timed(label: str, run) -> tuple[float, object]:
    started = time.monotonic()
    result = run()
    seconds = time.monotonic() - started
    say(f"{label}: {seconds:.2f}s")
    return seconds, result


def baselines() -> tuple[float, float]:
    from django.db import connection

    from personalization.events.models import Event

    table = Event._meta.db_table

    def query(sql: str):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    count_seconds, rows = timed("baseline: SELECT count(*)", lambda: query(f"SELECT count(*) FROM {table}"))
    assert rows[0][0] == EVENTS, rows
    group_seconds, _ = timed("baseline: one GROUP BY (day, channel, type) with distinct visitors", lambda: query(
        f"SELECT date_trunc('day', occurred_at, 'UTC'), channel_id, type, count(*), count(DISTINCT visitor_id) "
        f"FROM {table} GROUP BY 1, 2, 3"
    ))
    return count_seconds, group_seconds


def python_path_seconds() -> tuple[float, int]:
    """The reference core over the first PYTHON_DAYS days; returns (seconds, events read)."""
    from datetime import UTC, datetime, timedelta

    from django.db.models import Sum

    from personalization.events import aggregation
    from personalization.events.models import Event

    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=PYTHON_DAYS)
    events = Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    days = aggregation._days_of(events)

    def figures() -> list:
        """Each grain's row count and the sum of each of its figures, in the range."""
        sums = []
        for model, fields in aggregation.GRAINS:
            in_range = model.objects.filter(bucket__lt=end)
            numeric = [name for name in fields[fields.index("segment") + 1:] if name not in ("type", "page_id")
                       and model._meta.get_field(name).get_internal_type() != "CharField"]
            sums.append((in_range.count(), *in_range.aggregate(*(Sum(name) for name in numeric)).values()))
        return sums

    made_by_sql = figures()
    run = lambda: aggregation._rebuild(days, aggregation._no_progress, aggregation._rollup_day_python)  # noqa: E731
    seconds, _ = timed(f"python core path, {PYTHON_DAYS} days ({events.count():,} events)", run)
    assert figures() == made_by_sql, f"the core and the SQL disagree: {figures()} != {made_by_sql}"
    return seconds, events.count()


def main() -> int:
    setup_django()
    from datetime import UTC, datetime

    from django.db.models import Sum

    from personalization.events.aggregation import GRAINS, aggregate_pending
    from personalization.events.models import EventRollup, HourRollup, SegmentDayRollup

    insert_events()
    count_seconds, group_seconds = baselines()
    now = datetime(2026, 4, 2, tzinfo=UTC)  # after the last event, beyond the lag
    seconds, result = timed("aggregate_pending (SQL path), every day new", lambda: aggregate_pending(now=now))
    again_seconds, again = timed("aggregate_pending again (nothing new)", lambda: aggregate_pending(now=now))
    everyone = [
        EventRollup.objects.filter(segment="").aggregate(total=Sum("count"))["total"],
        *(model.objects.filter(segment="", **extra).aggregate(
            total=sum(Sum(name) for name in ("views", "impressions", "clicks", "conversions")))["total"]
          for model, extra in ((HourRollup, {}), (SegmentDayRollup, {"page_id": None}))),
    ]
    counted = everyone[0] if len(set(everyone)) == 1 else everyone
    by_grain = {model.__name__: model.objects.count() for model, _ in GRAINS}
    rows = sum(by_grain.values())
    python_seconds, python_events = python_path_seconds() if PYTHON_DAYS else (0.0, 0)

    ok = counted == EVENTS and again["days"] == 0 and seconds <= TARGET_SECONDS
    print()
    print(f"events                        {EVENTS:>12,}   over {DAYS} days, 100 segments")
    print(f"days rebuilt / rollup rows    {result['days']:>12,}   {rows:,} rows ({result['rows']:,} written: "
          f"{', '.join(f'{name} {count:,}' for name, count in by_grain.items())})")
    print(f"events counted in rollups     {str(counted) if isinstance(counted, list) else f'{counted:,}':>12}   {'exact in every grain' if counted == EVENTS else 'MISMATCH'}")
    print(f"aggregation (SQL path)        {seconds:>11.2f}s   {EVENTS / seconds:,.0f} events/s, "
          f"{result['rows'] / seconds:,.0f} rows/s   target ≤ {TARGET_SECONDS:.0f}s")
    print(f"  vs SELECT count(*)          {count_seconds:>11.2f}s   × {seconds / count_seconds:.1f}")
    print(f"  vs one GROUP BY             {group_seconds:>11.2f}s   × {seconds / group_seconds:.1f}")
    print(f"second run (nothing new)      {again_seconds:>11.2f}s   {again['days']} days rebuilt")
    if python_events:
        python_rate = python_events / python_seconds
        print(f"python core path              {python_seconds:>11.2f}s   {python_rate:,.0f} events/s "
              f"({PYTHON_DAYS} days; the SQL path is × {EVENTS / seconds / python_rate:.1f} as fast)")
    print(f"load average (1, 5, 15 min)   {' '.join(f'{load:.1f}' for load in os.getloadavg())}   on {os.cpu_count()} cores")
    print(f"{'OK' if ok else 'TARGET MISSED'}")
    return 0 if ok or os.environ.get("BENCH_STRICT") != "1" else 1


if __name__ == "__main__":
    sys.exit(main())
