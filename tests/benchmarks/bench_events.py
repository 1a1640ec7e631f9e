"""Benchmark of event ingestion: events/s through `POST /api/v2/events/` into PostgreSQL, with a loss check.

Run: .venv/bin/python tests/benchmarks/bench_events.py          (or `make bench`)

What it does:
1. a fresh PostgreSQL database (BENCH_EVENTS_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/tailor_bench_events: dropped and re-created), migrated,
   with a channel, an `events` key, 20 segments and this week's day partitions;
2. gunicorn with BENCH_WORKERS=2 workers and tests/benchmarks/settings.py (DEBUG off, rate
   limit out of the way; the limiter, key lookup and origin check still run): first sync
   workers (as bench_api.py), then gthread workers of BENCH_WORKER_THREADS=4 threads, whose
   threads overlap one request's commit (an fsync) and round trips with another's work;
3. for each, batches of 100 and of 500 events: BENCH_EVENTS events (a mix of impressions,
   clicks, views and conversions of 10,000 visitors, with pages, placements, variants,
   segments and values), every request body encoded before the clock starts, sent by
   BENCH_CLIENTS (sync) or workers x threads + 2 concurrent connections; it prints events/s,
   requests/s and the p50/p99 request latency;
4. the loss check: every id sent is in `personalization_event` exactly once, and every
   answer listed each id of its batch as accepted; then the same batches are sent again
   and must all come back as duplicates, with the table unchanged (idempotency under load);
5. the baseline, in the same run: the same rows written by one process straight into the
   database with the same INSERT (no HTTP, no JSON, no validation), the ceiling the API's
   figure is compared with.

Visitors send no X-Consent, and have no stored profile: events are stored without a visitor
id and teach no profile (one profile query per batch). BENCH_CONSENT=1 sends
`X-Consent: behaviour`: every batch also enqueues the job that teaches profiles, and the
serving processes' runner threads apply it (their cost is then part of the figure).

Environment: BENCH_EVENTS (100000 per batch size and worker kind), BENCH_CLIENTS (6, sync),
BENCH_WORKERS (2), BENCH_WORKER_THREADS (4; 1 measures sync workers only), BENCH_CONSENT (0),
BENCH_STRICT=1 to exit non-zero when no figure reaches the bar (5,000 events/s).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_api import VENV_BIN, WORKERS, free_port, say, stop_gunicorn, wait_until_up  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_EVENTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tailor_bench_events")
EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "6"))
CONSENT = os.environ.get("BENCH_CONSENT") == "1"
# Threads per gthread worker, measured after the sync worker (as bench_api.py runs): its threads
# overlap one request's commit (an fsync) and database round trips with another's work.
THREADS = int(os.environ.get("BENCH_WORKER_THREADS", "4"))
BATCHES = (100, 500)
SEGMENTS = [f"segment-{n}" for n in range(20)]
GOAL, BAR = 20_000, 5_000


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "ELASTICSEARCH_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.benchmarks.settings",
        DATABASE_URL=DATABASE_URL,
        SECRET_KEY=secrets.token_urlsafe(50),
        SHARED_STATE_DIR=str(ROOT / "var" / "bench" / "events-shared"),
        MEDIA_ROOT=str(ROOT / "var" / "bench" / "media"),
        DEBUG="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def fresh_database(env: dict[str, str]) -> str:
    """Drop, create and migrate the bench database; seed a channel, a key and segments; return the key."""
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    say(f"migrating {name}")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    seed = (
        "from cms.api.keys import api_key_create\n"
        "from cms.models import Channel\n"
        "from personalization.models import Segment\n"
        "from personalization.events.partitions import events_maintain\n"
        "channel = Channel.objects.create(slug='web', name='Web')\n"
        f"for key in {SEGMENTS!r}:\n"
        "    Segment.objects.create(key=key, name=key, definition={'all': []})\n"
        "events_maintain()\n"
        "print(api_key_create(channel=channel, name='bench', scopes=['events'])[1])\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", seed], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


def start_gunicorn(env: dict[str, str], port: int, threads: int) -> subprocess.Popen:
    worker = ["--worker-class", "sync"] if threads == 1 else ["--worker-class", "gthread", "--threads", str(threads)]
    command = [
        str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--workers", str(WORKERS), *worker,
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def make_batches(size: int, total: int, tag: str) -> list[tuple[list[str], bytes]]:
    """(ids, encoded body) per request: realistic events, ids unique across the run."""
    rng = random.Random(f"{tag}-{size}")
    now = datetime.now(timezone.utc)
    kinds = ("impression", "impression", "impression", "view", "click", "conversion")
    batches = []
    for start in range(0, total, size):
        events = []
        for n in range(start, min(start + size, total)):
            kind = kinds[n % len(kinds)]
            event = {
                "id": f"{tag}-{size}-{n}",
                "type": kind,
                "visitor_id": f"visitor-{rng.randrange(10_000)}",
                "timestamp": (now - timedelta(seconds=rng.randrange(3600))).isoformat(),
                "page": rng.randrange(1, 500),
                "placement": f"slot-{n % 7}",
                "variant": f"v{n % 3}",
                "segments": rng.sample(SEGMENTS, n % 3),
            }
            if kind == "conversion":
                event["value"] = round(rng.uniform(5, 200), 2)
            events.append(event)
        batches.append(([e["id"] for e in events], json.dumps({"events": events}).encode()))
    return batches


def send_all(
    port: int, key: str, batches: list[tuple[list[str], bytes]], clients: int
) -> tuple[float, list[float], list[dict]]:
    """Send every batch over `clients` concurrent connections; (seconds, latencies, answers in batch order)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if CONSENT:
        headers["X-Consent"] = "behaviour"
    answers: list[dict | None] = [None] * len(batches)
    latencies: list[float] = []
    cursor = iter(range(len(batches)))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            began = time.perf_counter()
            # gunicorn's sync workers close every connection after one response: one per request.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("POST", "/api/v2/events/", body=batches[index][1], headers=headers)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            latency = time.perf_counter() - began
            with lock:
                latencies.append(latency)
            answers[index] = {"status": response.status, **json.loads(body)}

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, latencies, answers


def stored_ids(env: dict[str, str]) -> tuple[int, set[str]]:
    import psycopg

    with psycopg.connect(DATABASE_URL) as connection:
        rows = connection.execute("SELECT event_id FROM personalization_event").fetchall()
    return len(rows), {event_id for (event_id,) in rows}


def check_loss(batches, answers, env: dict[str, str], expect: str) -> int:
    """Every answer was a 200 listing its ids under `expect`; every id is stored exactly once. Returns rows."""
    wrong = [a for (ids, _), a in zip(batches, answers) if a is None or a["status"] != 200 or a[expect] != ids]
    rows, ids = stored_ids(env)
    sent = {event_id for batch_ids, _ in batches for event_id in batch_ids}
    missing = sent - ids
    if wrong or missing:
        raise SystemExit(f"LOSS: {len(wrong)} answers not all {expect}, {len(missing)} ids sent but not stored")
    return rows


def baseline(env: dict[str, str], batches: list[tuple[list[str], bytes]]) -> float:
    """Events/s of the same INSERT from one process, no HTTP (decoded and validated before the clock)."""
    code = (
        "import json, sys, time\n"
        "from datetime import datetime, timezone\n"
        "from django.db import transaction\n"
        "from personalization.events.catalogue import event_catalogue\n"
        "from personalization.events.storage import events_insert\n"
        "from personalization.events.validation import Window, event_validate\n"
        "from datetime import timedelta\n"
        "now = datetime.now(timezone.utc)\n"
        "window = Window(now - timedelta(days=7), now + timedelta(minutes=5))\n"
        "catalogue = event_catalogue()\n"
        "bodies = [json.loads(line) for line in sys.stdin.buffer]\n"
        "prepared = [[event_validate(e, i, catalogue=catalogue, window=window) for i, e in enumerate(b['events'])] for b in bodies]\n"
        "began = time.perf_counter()\n"
        "for events in prepared:\n"
        "    with transaction.atomic():\n"
        "        events_insert(events, channel_id=1, received_at=now, visitors=())\n"
        "print(sum(map(len, prepared)) / (time.perf_counter() - began))\n"
    )
    payload = b"\n".join(body for _, body in batches)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, input=payload,
        check=True, capture_output=True,
    )
    return float(result.stdout.decode().strip().splitlines()[-1])


def measure(env: dict[str, str], key: str, threads: int, stored: int) -> tuple[list[tuple], int]:
    """Both batch sizes against 2 workers of `threads` thread(s); (result rows, rows now stored)."""
    name = "sync" if threads == 1 else f"gthread x{threads}"
    clients = CLIENTS if threads == 1 else WORKERS * threads + 2  # a request queued behind every thread
    port = free_port()
    server = start_gunicorn(env, port, threads)
    results = []
    try:
        wait_until_up(server, f"http://127.0.0.1:{port}")
        warm = make_batches(100, 2_000, f"warm-{threads}")
        send_all(port, key, warm, clients)
        stored += 2_000
        for size in BATCHES:
            batches = make_batches(size, EVENTS, f"run-{threads}")
            say(f"{name}, batches of {size}: {len(batches)} requests, {EVENTS} events, {clients} connections")
            seconds, latencies, answers = send_all(port, key, batches, clients)
            stored += EVENTS
            rows = check_loss(batches, answers, env, "accepted")
            assert rows == stored, f"{rows} rows stored, {stored} expected"
            retry_seconds, _, retried = send_all(port, key, batches, clients)
            assert check_loss(batches, retried, env, "duplicates") == stored, "a retry stored rows"
            quantiles = statistics.quantiles(latencies, n=100)
            results.append((name, size, EVENTS / seconds, len(batches) / seconds, quantiles[49], quantiles[98],
                            EVENTS / retry_seconds))
            say(f"  {EVENTS / seconds:,.0f} events/s; zero loss: {EVENTS} ids stored exactly once; retry stored none")
    finally:
        stop_gunicorn(server)
    return results, stored


def main() -> int:
    env = environment()
    key = fresh_database(env)
    sync, stored = measure(env, key, 1, 0)
    threaded, _ = measure(env, key, THREADS, stored) if THREADS > 1 else ([], stored)
    say("baseline: the same INSERTs from one process, no HTTP")
    ceiling = baseline(env, make_batches(500, EVENTS, "base"))
    print()
    print(f"{'workers':>12} {'batch':>6} {'events/s':>10} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'retry ev/s':>11} {'vs INSERT only':>15} {'vs goal':>8}")
    for name, size, rate, requests, p50, p99, retry in sync + threaded:
        print(f"{name:>12} {size:>6} {rate:>10,.0f} {requests:>11,.1f} {p50 * 1000:>8.1f} {p99 * 1000:>8.1f} "
              f"{retry:>11,.0f} {rate / ceiling:>15.2f} {rate / GOAL:>8.2f}")
    print(f"baseline: {ceiling:,.0f} events/s inserted by one process with no HTTP (batches of 500)")
    print(f"goal {GOAL:,} events/s, bar {BAR:,}; consent {'on' if CONSENT else 'off'}; {WORKERS} gunicorn workers; "
          "zero loss and idempotent retries checked per row")
    best = max(row[2] for row in sync + threaded)
    return 1 if best < BAR and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
