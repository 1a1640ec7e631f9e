"""Benchmark of a full search reindex: N seeded pages through `update_index`, then a reconcile.

Run: .venv/bin/python tests/benchmarks/bench_search_index.py          (or `make bench`)
     BENCH_SEARCH_PAGES=100000 .venv/bin/python tests/benchmarks/bench_search_index.py
     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ .venv/bin/python tests/benchmarks/bench_search_index.py

What it does:
1. a fresh database of its own: SQLite under var/bench/ (the developer's var/db.sqlite3 is
   left alone), or with BENCH_DATABASE_URL the PostgreSQL database
   BENCH_SEARCH_DATABASE (default `tailor_bench_search`) on that server, dropped and
   created again; migrated;
2. BENCH_SEARCH_PAGES (10,000) live article pages seeded in bulk by
   tests/benchmarks/search_corpus.py (deterministic words; a few canaries), not indexed;
3. `update_index` (Tailor's: Wagtail's with a progress bar and the reconciler's record),
   timed: the full reindex of every indexed model on Wagtail's database backend
   (SQLite FTS5 or PostgreSQL full text);
4. `search_reconcile` right after, timed: what the periodic repair costs on an index that
   is up to date (it must find nothing to do), and a check that the canaries are not indexed.

It prints pages/s of the reindex; run it at 10,000 and 100,000 pages to see how it grows.
Environment: BENCH_SEARCH_PAGES, BENCH_DATABASE_URL, BENCH_SEARCH_DATABASE.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PAGES = int(os.environ.get("BENCH_SEARCH_PAGES", "10000"))
SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "").rstrip("/")
DATABASE = os.environ.get("BENCH_SEARCH_DATABASE", "tailor_bench_search")
SQLITE_PATH = ROOT / "var" / "bench" / "search-index.sqlite3"

_started = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", flush=True)


def fresh_database() -> str:
    """A new, empty database for the run; its DATABASE_URL."""
    if SERVER_URL:
        import psycopg

        with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
        return f"{SERVER_URL}/{DATABASE}"
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{SQLITE_PATH}"


def setup_django() -> str:
    url = fresh_database()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.base", DATABASE_URL=url, DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(40), LOG_LEVEL="WARNING",
        SHARED_STATE_DIR=str(ROOT / "var" / "bench" / "search-shared"),
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "ELASTICSEARCH_URL"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    say(f"migrating a new {connection.vendor} database")
    call_command("migrate", "--noinput", verbosity=0)
    return connection.vendor


def main() -> int:
    vendor = setup_django()
    from django.core.management import call_command
    from wagtail.search.backends import get_search_backend

    from cms.models import ArticlePage
    from tests.benchmarks.search_corpus import CANARY_WORDS, seed_pages

    say(f"seeding {PAGES:,} pages (bulk, not indexed)")
    started = time.monotonic()
    seed_pages(PAGES, index=False)
    say(f"seeded in {time.monotonic() - started:.1f}s")

    say("update_index: the full reindex")
    started = time.monotonic()
    call_command("update_index", stdout=StringIO())
    reindex = time.monotonic() - started

    started = time.monotonic()
    out = StringIO()
    call_command("search_reconcile", stdout=out, verbosity=0)
    reconcile = time.monotonic() - started
    clean = "nothing to do" in out.getvalue()

    backend = get_search_backend()
    leaked = [word for word in CANARY_WORDS.values() if list(backend.search(word, ArticlePage))]
    indexed = ArticlePage.get_indexed_objects().count()

    print()
    print(f"search index, {vendor}, Wagtail's database backend ({type(backend).__name__})")
    print(f"  pages indexed               {indexed:>10,}")
    print(f"  full reindex (update_index) {reindex:>10.1f} s   {indexed / reindex:>8,.0f} pages/s")
    print(f"  reconcile, nothing to do    {reconcile:>10.1f} s   {'ok' if clean else 'FOUND REPAIRS'}")
    print(f"  canaries in the index       {len(leaked):>10}     {'ok' if not leaked else leaked}")
    return 0 if clean and not leaked else 1


if __name__ == "__main__":
    sys.exit(main())
