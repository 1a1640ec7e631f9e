"""Benchmark of an experiment's results page query on PostgreSQL: 90 days, 3 arms, 2 guardrails.

Run: .venv/bin/python tests/benchmarks/bench_experiment_results.py          (or `make bench`)
Target (issue #13): the results page's query time over 90 days ≤ 100 ms.

What it does:
1. a PostgreSQL database of its own (BENCH_EXPERIMENTS_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/tailor_bench_experiments), created and migrated if needed;
2. ExperimentArmDay rows as `experiments_aggregate` leaves them: the measured experiment over
   90 days × 3 arms × 3 metrics (a binomial goal, a binomial and a mean guardrail, all with
   CUPED sums), beside BENCH_OTHER_EXPERIMENTS (200) other experiments of the same shape, so
   the table is not just the one experiment's rows;
3. `experiment_results(spec)` (the read and every analysis: goal, guardrails, the daily
   series), repeated BENCH_REPEATS times after a warm-up: median and p95 in ms;
4. baselines in the same run and connection: `SELECT 1` (a round trip) and a trivial query of
   the same table (counting the experiment's rows), and the read alone (fetching the rows
   without analysing them);
5. `experiments_aggregate` of one experiment from raw events (BENCH_VISITORS exposed visitors,
   their goal and guardrail events over 90 days): the SQL rebuild's time.

Environment: BENCH_EXPERIMENTS_DATABASE_URL, BENCH_REPEATS (25), BENCH_OTHER_EXPERIMENTS (200),
BENCH_VISITORS (20000), BENCH_STRICT=1 to exit non-zero when the target is missed.
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
    "BENCH_EXPERIMENTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tailor_bench_experiments"
)
REPEATS = int(os.environ.get("BENCH_REPEATS", "25"))
OTHERS = int(os.environ.get("BENCH_OTHER_EXPERIMENTS", "200"))
VISITORS = int(os.environ.get("BENCH_VISITORS", "20000"))
DAYS = 90
TARGET_MS = 100.0
ARMS = [("control", 1.0), ("new-hero", 1.0), ("bold-hero", 1.0)]


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


def _copy(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(
            "\\N" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
            for value in row
        ))
        buffer.write("\n")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def spec_of(key: str, start: datetime):
    from personalization.experiments.spec import ResultsSpec

    return ResultsSpec(
        experiment=key, arms=ARMS, control="control", goal_type="conversion", kind="binomial",
        guardrails=[("bounce", "binomial", False), ("purchase", "mean")], min_sample=1_000, start=start,
    )


def _arm_day_rows(spec, start: datetime, now: datetime, rng: random.Random) -> list[tuple]:
    """Cumulative rows as the aggregation makes them: ~300 visitors a day per arm, sums that grow."""
    rows = []
    for metric in spec.metrics:
        for arm, _ in spec.arms:
            n = total = total_sq = pre = pre_sq = cross = 0.0
            for day in range(DAYS):
                visitors = rng.randint(250, 350)
                n += visitors
                if metric.kind == "binomial":
                    converted = sum(rng.random() < 0.08 for _ in range(visitors))
                    total += converted
                    total_sq += converted
                    pre_converted = converted // 2
                    pre += pre_converted
                    pre_sq += pre_converted
                    cross += pre_converted // 3
                else:
                    spend = [rng.expovariate(1 / 20) if rng.random() < 0.1 else 0.0 for _ in range(visitors)]
                    total += sum(spend)
                    total_sq += sum(s * s for s in spend)
                    pre += sum(spend) * 0.6
                    pre_sq += sum(s * s for s in spend) * 0.5
                    cross += sum(s * s for s in spend) * 0.4
                rows.append((spec.experiment, metric.key, arm, (start + timedelta(days=day)).date(), int(n),
                             total, total_sq, pre, pre_sq, cross, now))
    return rows


def seed_results(start: datetime, now: datetime) -> None:
    from django.db import connection

    say(f"==> writing ExperimentArmDay rows: 1 + {OTHERS} experiments × {DAYS} days × 3 arms × 3 metrics (COPY)")
    started = time.monotonic()
    rng = random.Random(13)
    columns = "experiment, metric, arm, day, n, total, total_sq, pre_total, pre_total_sq, cross_total, computed_at"
    template = _arm_day_rows(spec_of("template", start), start, now, rng)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE personalization_experimentarmday")
        raw = cursor.cursor
        _copy(raw, "personalization_experimentarmday", columns, _arm_day_rows(spec_of("hero", start), start, now, rng))
        for index in range(OTHERS):
            # Other experiments reuse one set of figures: only the table's size matters for them.
            _copy(raw, "personalization_experimentarmday", columns,
                  [(f"other-{index:03}", *row[1:]) for row in template])
        cursor.execute("VACUUM ANALYZE personalization_experimentarmday")
        cursor.execute("SELECT count(*) FROM personalization_experimentarmday")
        say(f"    {cursor.fetchone()[0]:,} rows in {time.monotonic() - started:.1f}s")


def timed(run: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """Median and p95 wall time in ms of `repeats` runs, after one warm-up."""
    run()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def seed_events(start: datetime, now: datetime) -> None:
    """Exposures of VISITORS visitors over the 90 days, and their goal and guardrail events."""
    from django.db import connection

    say(f"==> writing {VISITORS:,} exposures and their events over {DAYS} days (COPY)")
    rng = random.Random(21)
    exposures, events = [], []
    span = (now - start).total_seconds()
    for index in range(VISITORS):
        visitor, arm = f"visitor-{index:06}", ARMS[index % 3][0]
        first = start + timedelta(seconds=rng.random() * span * 0.9)
        exposures.append(("aggregated", arm, visitor, first, 1))
        for type_, chance, value in (("conversion", 0.1, None), ("bounce", 0.3, None), ("purchase", 0.08, "25.5")):
            for _ in range(rng.choice([0, 1, 1, 2]) if rng.random() < chance * 3 else 0):
                at = first + timedelta(seconds=rng.uniform(-86_400 * 10, min(86_400 * 20, (now - first).total_seconds())))
                events.append((1, f"b{len(events)}", type_, visitor, at, at, 0, "", "", "", "", "[]", value, "{}"))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM personalization_experimentexposure WHERE experiment = 'aggregated'")
        cursor.execute("DELETE FROM personalization_event WHERE event_id LIKE 'b%%'")
        _copy(cursor.cursor, "personalization_experimentexposure", "experiment, arm, visitor_id, first_at, channel_id",
              exposures)
        _copy(cursor.cursor, "personalization_event",
              "channel_id, event_id, type, visitor_id, occurred_at, received_at, page_id, placement, variant, "
              "experiment, arm, segments, value, properties", events)
        cursor.execute("ANALYZE personalization_experimentexposure")
        cursor.execute("ANALYZE personalization_event")
    say(f"    {len(exposures):,} exposures, {len(events):,} events")


def main() -> int:
    _django()
    from django.db import connection

    from personalization.experiments.aggregation import ExperimentArmDay, experiment_aggregate
    from personalization.experiments.results import experiment_results

    now = datetime.now(UTC)
    start = (now - timedelta(days=DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    seed_results(start, now)
    spec = spec_of("hero", start)

    def round_trip() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def trivial() -> None:
        ExperimentArmDay.objects.filter(experiment="hero").count()

    def read_only() -> None:
        list(ExperimentArmDay.objects.filter(experiment="hero").values_list())

    say(f"==> timing {REPEATS} times each (median / p95, ms)")
    trip, _ = timed(round_trip)
    count, _ = timed(trivial)
    read, _ = timed(read_only)
    median, p95 = timed(lambda: experiment_results(spec))
    report = experiment_results(spec)
    say(f"    experiment_results over {DAYS} days, 3 arms, goal + 2 guardrails "
        f"({len(report.series)} series points, {len(report.csv_rows) - 1} CSV rows): "
        f"median {median:.1f} ms, p95 {p95:.1f} ms")
    say(f"    baselines: SELECT 1 {trip:.2f} ms; counting the experiment's rows {count:.2f} ms; "
        f"fetching them without analysis {read:.1f} ms")
    say(f"    = {median / count:.1f}× the trivial query of the same table; "
        f"target ≤ {TARGET_MS:.0f} ms: {'met' if median <= TARGET_MS else 'MISSED'}")

    seed_events(start, now)
    aggregated = spec_of("aggregated", start)
    agg_median, _ = timed(lambda: experiment_aggregate(aggregated, now=now), repeats=3)
    rows = ExperimentArmDay.objects.filter(experiment="aggregated").count()
    say(f"    experiments_aggregate of {VISITORS:,} visitors × 3 metrics × {DAYS} days: "
        f"median {agg_median:.0f} ms for {rows} rows (one SQL statement per metric)")
    return 1 if os.environ.get("BENCH_STRICT") == "1" and median > TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
