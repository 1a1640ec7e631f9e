"""Benchmark of trait import: rows/s of a 20-column CRM export into PostgreSQL, with peak memory.

Run: .venv/bin/python tests/benchmarks/bench_import.py        (or `make bench`)

Goal (issue #16): ≥ 20,000 rows/s for a 20-column file.

What it does:
1. a PostgreSQL database of its own (BENCH_IMPORT_DATABASE, default `tailor_bench_import`, on
   the server of BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/), migrated,
   with 19 traits of every type (numbers as money, yes/no, dates, choices, text);
2. a CSV of BENCH_ROWS (200,000) rows: a visitor id and the 19 trait columns, written as CRM
   exports write them ("$1,234.50", "yes", "15/03/2024", blanks), 1 row in 1,000 invalid;
3. `import_stream` (what `manage.py import_traits` runs) three times, profiles emptied first:
   new profiles (every row inserted), the same file again (nothing changes: idempotency) and a
   file with every value changed (every row merged into its profile);
   peak memory: tracemalloc's peak over a separate run of the first pass on BENCH_MEMORY_ROWS
   (50,000) rows of a fresh table (tracemalloc slows Python down, so not the timed runs);
4. the baseline, in the same run: the same rows' values (already parsed, as JSON) written with
   COPY into the emptied profiles table: the ceiling of the database itself.

Environment: BENCH_DATABASE_URL, BENCH_IMPORT_DATABASE, BENCH_ROWS, BENCH_MEMORY_ROWS,
BENCH_STRICT=1 to exit non-zero when the goal is missed.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/").rstrip("/")
DATABASE = os.environ.get("BENCH_IMPORT_DATABASE", "tailor_bench_import")
ROWS = int(os.environ.get("BENCH_ROWS", "200000"))
MEMORY_ROWS = int(os.environ.get("BENCH_MEMORY_ROWS", "50000"))
GOAL_ROWS_PER_SECOND = 20_000

_started = time.monotonic()

# 19 traits: name → (type, choices); with the id column, 20 columns.
TRAITS = {
    "ltv": ("number", []), "orders": ("number", []), "avg_basket": ("number", []), "points": ("number", []),
    "newsletter": ("boolean", []), "sms_opt_in": ("boolean", []), "app_user": ("boolean", []),
    "signed_up": ("date", []), "last_order": ("date", []), "birthday": ("date", []),
    "tier": ("choice", ["bronze", "silver", "gold"]), "region": ("choice", ["north", "south", "east", "west"]),
    "channel_pref": ("choice", ["email", "sms", "post"]),
    "city": ("string", []), "company": ("string", []), "job_title": ("string", []), "postcode": ("string", []),
    "favourite": ("string", []), "account_manager": ("string", []),
}


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
    from personalization.models import TraitDefinition

    for name, (kind, choices) in TRAITS.items():
        TraitDefinition.objects.update_or_create(name=name, defaults={"type": kind, "choices": choices, "computed": False})


def cell(name: str, n: int, shift: int) -> str:
    """Row n's cell for a trait, as a CRM export writes it; `shift` changes every value."""
    k = n + shift
    kind, choices = TRAITS[name]
    if name == "ltv" and n % 1000 == 999:
        return "lots"  # 1 row in 1,000 is rejected
    if kind == "number":
        return "" if k % 9 == 0 else f'"${k % 9000:,}.{k % 100:02d}"' if name in ("ltv", "avg_basket") else str(k % 500)
    if kind == "boolean":
        return ("yes", "no")[k % 2]
    if kind == "date":
        return f"{1 + k % 28:02d}/{1 + k % 12:02d}/{2000 + k % 25}"
    if kind == "choice":
        return choices[k % len(choices)]
    return f"{name}-{k % 997}"


def write_export(path: Path, rows: int, shift: int = 0) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(["customer_id", *TRAITS]) + "\n")
        for n in range(rows):
            handle.write(",".join([f"c{n:08d}", *(cell(name, n, shift) for name in TRAITS)]) + "\n")


def profiles_empty() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE personalization_visitorprofile")


def timed_import(path: Path, label: str) -> tuple[float, object]:
    from personalization.traitsync.imports import import_stream

    started = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as stream:
        summary = import_stream(stream, "csv", id_column="customer_id", rejects=io.StringIO(), source=f"import:{path.name}")
    seconds = time.perf_counter() - started
    say(f"{label}: {summary.rows:,} rows in {seconds:.1f} s = {summary.rows / seconds:,.0f} rows/s "
        f"({summary.changed:,} profiles changed, {summary.created:,} new, {summary.rejected:,} rejected)")
    return summary.rows / seconds, summary


def memory_peak(path: Path) -> float:
    from personalization.traitsync.imports import import_stream

    profiles_empty()
    tracemalloc.start()
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            import_stream(stream, "csv", id_column="customer_id", rejects=io.StringIO(), source="import:memory")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def copy_baseline(path: Path) -> float:
    """The same rows' values, parsed beforehand, written with COPY: the database's ceiling."""
    import csv

    from django.db import connection

    from personalization.traits import ABSENT, parse_value

    with open(path, encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        rows = []
        for row in reader:
            try:
                values = {name: parse_value(kind, row[name], tuple(choices)) for name, (kind, choices) in TRAITS.items()}
            except ValueError:
                continue
            rows.append((row["customer_id"], json.dumps({k: v for k, v in values.items() if v is not ABSENT})))
    profiles_empty()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY personalization_visitorprofile (visitor_id, visit_count, pages_visited, content_types_visited, events, "
            "traits, trait_sources, consent, updated_at) FROM STDIN"
        ) as copy:
            for visitor_id, traits in rows:
                copy.write_row((visitor_id, 0, "[]", "[]", "[]", traits, "{}", "[]", "2026-01-01T00:00:00Z"))
    seconds = time.perf_counter() - started
    say(f"baseline COPY of the same {len(rows):,} parsed rows: {seconds:.1f} s = {len(rows) / seconds:,.0f} rows/s")
    return len(rows) / seconds


def main() -> int:
    setup_django()
    with tempfile.TemporaryDirectory() as tmp:
        first, changed, small = Path(tmp) / "export.csv", Path(tmp) / "export-changed.csv", Path(tmp) / "small.csv"
        say(f"writing {ROWS:,} rows x 20 columns")
        write_export(first, ROWS)
        write_export(changed, ROWS, shift=1)
        write_export(small, MEMORY_ROWS)
        say(f"file: {first.stat().st_size / 1e6:.1f} MB")
        profiles_empty()
        new_rate, _ = timed_import(first, "new profiles")
        again_rate, again = timed_import(first, "same file again")
        merge_rate, _ = timed_import(changed, "every value changed")
        peak = memory_peak(small)
        say(f"peak traced memory importing {MEMORY_ROWS:,} rows: {peak:.1f} MB (constant: rows are streamed, {2000:,} per batch)")
        baseline = copy_baseline(first)
        profiles_empty()
    say(f"import vs COPY baseline: new {new_rate / baseline:.0%}, merge {merge_rate / baseline:.0%}")
    ok = min(new_rate, merge_rate) >= GOAL_ROWS_PER_SECOND and again.changed == 0
    say(f"goal ≥ {GOAL_ROWS_PER_SECOND:,} rows/s: {'met' if ok else 'MISSED'}; re-run changed {again.changed} profiles")
    return 0 if ok or os.environ.get("BENCH_STRICT") != "1" else 1


if __name__ == "__main__":
    sys.exit(main())
