"""Benchmark of the marketer's dashboard queries on PostgreSQL: 90 days × 100 segments of rollups.

Run: .venv/bin/python tests/benchmarks/bench_dashboard.py          (or `make bench`)
Target (issue #12): the dashboard's slowest query over 90 days × 100 segments ≤ 100 ms.

What it does:
1. a PostgreSQL database of its own (BENCH_DASHBOARD_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/tailor_bench_dashboard), created and migrated if
   needed;
2. rollups of the three grains as the aggregation leaves them, written with COPY: 3 channels,
   20 pages, 4 placements of 3 variants, 100 segments, the four built-in event types; every
   day of 90, each segment is seen on 5 of the pages and 2 variants there, with fine day
   rows for every segment and for everyone (""), each spread over 3 hours of its day; the
   hour and segment day grains are those rows added up (their visitors, which only the
   raw events could tell, are the fine rows' sums); served impressions per hour × segment
   × 2 variants. Row counts are printed;
3. each report the dashboard runs (personalization.events.reports), for the filters a
   marketer uses (30 and 90 days, one segment, one page, one variant, a 2-day hourly
   range), repeated BENCH_REPEATS times after a warm-up: median and p95 in ms;
4. the whole dashboard page's tables (every report plus the names they show), 30 and 90 days;
5. baselines in the same run and connection: `SELECT 1` (a round trip) and counting the
   fine day rows of the 90 days (the largest grain a report may read).

Environment: BENCH_DASHBOARD_DATABASE_URL, BENCH_REPEATS (15), BENCH_SEGMENTS (100),
BENCH_DAYS (90), BENCH_KEEP_ROWS=1 to reuse the rows of a previous run (of any size),
BENCH_STRICT=1 to exit non-zero when the target is missed.
"""

from __future__ import annotations

import io
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get(
    "BENCH_DASHBOARD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tailor_bench_dashboard"
)
REPEATS = int(os.environ.get("BENCH_REPEATS", "15"))
SEGMENTS = int(os.environ.get("BENCH_SEGMENTS", "100"))
DAYS = int(os.environ.get("BENCH_DAYS", "90"))
TARGET_MS = 100.0
CHANNELS, PAGES, PLACEMENTS, VARIANTS = 3, 20, 4, 3
PAGES_PER_SEGMENT, VARIANTS_PER_PAGE, HOURS_PER_DAY_ROW = 5, 2, 3
TYPES = (("view", 1.0), ("impression", 2.5), ("click", 0.12), ("conversion", 0.02))


def say(message: str) -> None:
    print(message, flush=True)


def _django() -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.base", DATABASE_URL=DATABASE_URL, DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    _create_database()
    import django

    django.setup()
    from django.core.management import call_command

    say("==> migrating the benchmark database (quick when it already is)")
    call_command("migrate", interactive=False, verbosity=0)


def _create_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            say(f"==> creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def _rows(start: datetime, rng: random.Random):
    """Per day: (fine rows, hour rows as (bucket, channel, segment, page, placement, variant, type, count),
    served rows), plain tuples."""
    segments = [f"segment-{n:03}" for n in range(SEGMENTS)]
    combos = [(placement, variant) for placement in range(PLACEMENTS) for variant in range(VARIANTS)]
    for day in range(DAYS):
        bucket = start + timedelta(days=day)
        # A trend: traffic grows 1 % a week; segment-007 drops by half for the last 20 days.
        growth = 1 + day / 700
        fine, hours, served = [], [], []
        for segment in segments:
            seen = rng.sample(range(1, PAGES + 1), PAGES_PER_SEGMENT)
            for page in seen:
                channel = 1 + page % CHANNELS
                for placement, variant in rng.sample(combos, VARIANTS_PER_PAGE):
                    scale = growth * (0.5 if segment == "segment-007" and day >= DAYS - 20 else 1)
                    for kind, weight in TYPES:
                        count = max(1, int(rng.randint(20, 400) * weight * scale))
                        hour_counts = _split(count, HOURS_PER_DAY_ROW)
                        hours_of_day = rng.sample(range(24), HOURS_PER_DAY_ROW)
                        for under in ("", segment):
                            fine.append((bucket, channel, page, under, f"p{placement}", f"v{variant}", kind, count,
                                         max(1, count // 3)))
                            hours.extend(
                                (bucket + timedelta(hours=hour), channel, under, kind, part)
                                for hour, part in zip(hours_of_day, hour_counts)
                            )
            for hour in range(24):
                for variant in range(2):
                    served.append((bucket + timedelta(hours=hour), 1 + hour % CHANNELS, 1 + hour % PAGES, segment,
                                   f"p{variant}", f"v{variant}", rng.randint(10, 900)))
        yield fine, hours, served


def _split(count: int, parts: int) -> list[int]:
    return [count // parts + (1 if index < count % parts else 0) for index in range(parts)]


COUNTED = ("view", "impression", "click", "conversion")


def _grains(fine: list[tuple], hours: list[tuple]) -> tuple[list, list, list]:
    """A day's rows of each grain: fine rows of one key merged (as the aggregation would), and the
    hour and segment day grains added up from them, the counted types side by side."""
    merged: dict[tuple, list] = {}
    for *key, count, visitors in fine:
        totals = merged.setdefault(tuple(key), [0, 0])
        totals[0] += count
        totals[1] += visitors
    value = lambda kind, count: count * 25 if kind == "conversion" else 0  # noqa: E731
    fine_rows = [(bucket, channel, page, segment, placement, variant, "", "", kind, count, visitors,
                  value(kind, count))
                 for (bucket, channel, page, segment, placement, variant, kind), (count, visitors) in merged.items()]
    wide: dict[tuple, list] = {}
    for bucket, channel, segment, kind, count in hours:
        row = wide.setdefault((bucket, channel, segment), [0, 0, 0, 0, 0])
        row[COUNTED.index(kind)] += count
        row[4] += value(kind, count)
    hour_rows = [(*key, *figures) for key, figures in wide.items()]
    days: dict[tuple, list] = {}
    for bucket, channel, page, segment, _, _, _, _, kind, count, visitors, value_sum in fine_rows:
        for page_key in (page, None):
            row = days.setdefault((bucket, channel, segment, page_key), [0, 0, 0, 0, 0, 0])
            row[COUNTED.index(kind)] += count
            row[4] += value_sum
            row[5] += visitors if kind == "impression" else 0
    day_rows = [(*key, *figures) for key, figures in days.items()]
    return fine_rows, hour_rows, day_rows


def _copy(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(
            "\\N" if value is None else value.isoformat() if isinstance(value, datetime) else str(value) for value in row
        ))
        buffer.write("\n")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


TABLES = ("personalization_eventrollup", "personalization_hourrollup", "personalization_segmentdayrollup",
          "personalization_servedimpression")
COLUMNS = (
    "bucket, channel_id, page_id, segment, placement, variant, experiment, arm, type, count, visitors, value_sum",
    "bucket, channel_id, segment, views, impressions, clicks, conversions, value_sum",
    "bucket, channel_id, segment, page_id, views, impressions, clicks, conversions, value_sum, visitors",
    "bucket, channel_id, page_id, segment, slot, variant, count",
)


def seed(start: datetime) -> None:
    from django.db import connection

    from personalization.events.models import EventRollup, HourRollup, SegmentDayRollup, ServedImpression

    if os.environ.get("BENCH_KEEP_ROWS") == "1" and EventRollup.objects.exists():
        say(f"==> reusing the {EventRollup.objects.count():,} fine rollup rows of the previous run (BENCH_KEEP_ROWS=1)")
        return
    say(f"==> writing rollups: {DAYS} days × {SEGMENTS} segments (COPY; a line every 10 days)")
    started = time.monotonic()
    rng = random.Random(12)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)}")
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        for day, (fine, hours, served) in enumerate(_rows(start, rng), start=1):
            for table, columns, rows in zip(TABLES, COLUMNS, (*_grains(fine, hours), served)):
                _copy(raw, table, columns, rows)
            if day % 10 == 0:
                say(f"    {day} days written ({time.monotonic() - started:.0f}s)")
    counts = ", ".join(f"{model.__name__} {model.objects.count():,}"
                       for model in (EventRollup, HourRollup, SegmentDayRollup, ServedImpression))
    say(f"    rows: {counts}, in {time.monotonic() - started:.0f}s")


def vacuum() -> None:
    """What autovacuum does to a table that stopped changing: statistics, and the visibility map
    that lets PostgreSQL answer from a covering index alone (rollups of past days do not change)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Median and p95 wall time in ms of REPEATS runs, after one warm-up."""
    run()
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def main() -> int:
    _django()
    from django.db import connection

    from personalization.admin.dashboard import MAX_RANGE_DAYS
    from personalization.admin.report_tables import TABLES
    from personalization.events import reports
    from personalization.events.reports import ReportFilter

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=DAYS - 1)
    seed(start)
    vacuum()
    end = today + timedelta(days=1)
    filters = {
        "90 days": ReportFilter(start, end),
        "30 days": ReportFilter(end - timedelta(days=30), end),
        "90 days, one segment": ReportFilter(start, end, segment="segment-042"),
        "90 days, one page": ReportFilter(start, end, page_id=7),
        "90 days, one variant": ReportFilter(start, end, placement="p1", variant="v2"),
        "2 days (hourly), one segment": ReportFilter(end - timedelta(days=2), end, segment="segment-042"),
    }
    queries = {
        "events_series": reports.events_series,
        "events_by_segment": reports.events_by_segment,
        "events_by_variant": reports.events_by_variant,
        "events_by_channel": reports.events_by_channel,
        "events_by_page": reports.events_by_page,
        "reach_by_segment": reports.reach_by_segment,
        "top_pages_by_segment": reports.top_pages_by_segment,
        "served_by_variant": reports.served_by_variant,
    }

    def scan() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM personalization_eventrollup WHERE bucket >= %s", [start])

    def round_trip() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    say(f"==> timing each report {REPEATS} times (median / p95, ms)")
    baseline_trip, _ = timed(round_trip)
    baseline_scan, _ = timed(scan)
    results, pages = [], []
    for filter_name, report in filters.items():
        for query_name, query in queries.items():
            median, p95 = timed(lambda: query(report))
            results.append((median, p95, query_name, filter_name))
    for filter_name in ("30 days", "90 days"):
        median, p95 = timed(lambda: [build(filters[filter_name]) for build in TABLES.values()])
        pages.append((median, p95, filter_name))
    widest = ReportFilter(today - timedelta(days=MAX_RANGE_DAYS), end)
    median, p95 = timed(lambda: reports.placements_and_variants(widest))
    results.append((median, p95, "placements_and_variants", f"{MAX_RANGE_DAYS} days (the variant filter's choices)"))

    say(f"\n{'query':<26}{'filter':<48}{'median':>9}{'p95':>9}{'× scan':>9}")
    for median, p95, query_name, filter_name in sorted(results, reverse=True):
        say(f"{query_name:<26}{filter_name:<48}{median:>9.1f}{p95:>9.1f}{median / baseline_scan:>9.2f}")
    for median, p95, filter_name in pages:
        say(f"the whole dashboard page's {len(TABLES)} tables, {filter_name}: median {median:.1f} ms, p95 {p95:.1f} ms")
    slowest = max(results)
    say(f"\nbaselines: SELECT 1 round trip {baseline_trip:.2f} ms; counting the 90 days' fine rows {baseline_scan:.1f} ms")
    say(f"slowest: {slowest[2]} ({slowest[3]}) median {slowest[0]:.1f} ms, p95 {slowest[1]:.1f} ms "
        f"= {slowest[0] / baseline_scan:.2f}× the count, {slowest[0] / baseline_trip:.0f}× a round trip; "
        f"target ≤ {TARGET_MS:.0f} ms: {'met' if slowest[0] <= TARGET_MS else 'MISSED'}")
    return 1 if os.environ.get("BENCH_STRICT") == "1" and slowest[0] > TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
