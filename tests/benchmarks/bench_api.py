"""Benchmark of the delivery API under gunicorn, against a trivial view and stock Wagtail, in one run.

Run: .venv/bin/python tests/benchmarks/bench_api.py          (or `make bench`)

What it does:
1. a fresh SQLite database under var/bench/ (the developer's var/db.sqlite3 is left alone),
   migrated, seeded with 1,000 pages (articles with a StreamField body, a hero image,
   tags and an author), 100 live segments of ~5 conditions, and a landing page whose
   body has a personalised block that two of those segments decide, plus a hero, promo
   cards, rich text and an image: the measured page;
2. gunicorn (2 sync workers) on a free port of 127.0.0.1, with tests/benchmarks/settings.py
   (DEBUG off; Wagtail's stock API v2 and a trivial JSON view mounted beside ours), and two
   more alike, idle until step 4: one counting served impressions (the default, as the
   first does), one not (IMPRESSIONS_COUNTING=0);
3. wrk (-t2 -c16 --latency, 10s per scenario in two interleaved rounds of 5s, after a short
   warm-up) against:
   a  /reference/trivial/              a Django view returning {"ok": true}: the ceiling
   b  /reference/api/v2/pages/<id>/    stock Wagtail API v2 detail of the measured page
   c  /api/v2/pages/<id>/              ours, with the Bearer key: cached body (hit path)
   d  /api/v2/pages/<id>/?_=<unique>   ours, cache miss on every request (see below)
   e  /api/v2/pages/?limit=20          ours, a listing (hit path)
   f  /reference/api/v2/pages/?limit=20  stock, the same listing
   and prints requests/s, p50 and p99 with the ratios PRODUCT.md sets targets for;
4. what server-side impression counting (personalization/events/served.py) adds to a
   personalised cache hit (c), two ways in the same run:
   - CPU time: this process serves c through Django's WSGI handler in alternating blocks
     with counting on and off (BENCH_COUNTING_BLOCKS pairs of 300 requests; the counting
     blocks also write their counts to the database, far more often than a server does).
     CPU time is what other processes on a shared machine disturb least, and the whole
     cost of counting is CPU in the serving process. The median of the pairs' ratios
     decides the target: a block that another process disturbed moves one pair, not the
     median (on a loaded machine single blocks swing by ±15 %); `served_body_note` alone
     is also timed;
   - throughput: wrk against the two idle twins in BENCH_COUNTING_PAIRS alternating pairs
     (counting first, then not first, …) after a warm-up of each. On a loaded machine this swings by more than
     the 5 % measured, so it is shown, with each pair's ratio, but does not decide.
   The counting twin is then stopped (SIGTERM: its workers hand over their counts) and the
   bodies it counted are checked against the requests wrk saw completed: none may be missing.

The miss path (d): `_` is the cache-busting parameter Wagtail's API accepts (for jQuery),
and it is part of our cache key. A wrk Lua script gives every request a value never used
before (thread id, run tag, counter), so every request builds, serialises, renders and
stores its body: authentication, visibility, the personalisation decision over 100
segments, variant resolution, serialisation and rendering included. The per-process
memos keyed by the content generation (overrides, presets, restrictions, the compiled
ruleset, live page objects, image representations, rendered rich text) stay warm: this
is a request for a URL variant or a segment combination nobody asked for yet, not the
first request after a publish (which fills those memos once per process).

Requests are anonymous visitors (no X-Visitor-Id): no profile is read or written.

Environment: BENCH_SECONDS (10, per scenario), BENCH_ROUNDS (2), BENCH_COUNTING_BLOCKS (16),
BENCH_COUNTING_PAIRS (6), BENCH_WARMUP_SECONDS (2), BENCH_THREADS (2),
BENCH_CONNECTIONS (16), BENCH_WORKERS (2), BENCH_PAGES (1000), BENCH_FRESH_SCHEMA=1 to
migrate from scratch instead of copying the migrated schema cached for this exact set of
migration files and package versions (var/bench/schema-<hash>.sqlite3), BENCH_STRICT=1 to
exit non-zero when a target is missed (it always does when a run saw errors).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
DB_PATH = BENCH_DIR / "bench.sqlite3"
MEDIA_DIR = BENCH_DIR / "media"
VENV_BIN = Path(sys.executable).parent
SETTINGS = "tests.benchmarks.settings"

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
# The scenarios run in interleaved rounds (a..f, a..f), SECONDS split between them, so that
# a machine whose load changes during the run moves every figure alike.
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "2")))
COUNTING_BLOCKS = max(1, int(os.environ.get("BENCH_COUNTING_BLOCKS", "16")))
COUNTING_PAIRS = max(1, int(os.environ.get("BENCH_COUNTING_PAIRS", "6")))
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PAGES = int(os.environ.get("BENCH_PAGES", "1000"))
SEGMENTS = 100

# PRODUCT.md, "Performance targets"
TARGET_HIT_VS_TRIVIAL = 0.5
TARGET_VS_STOCK = 1.0
TARGET_COUNTING_COST = 0.05  # counting served impressions may add this much to a personalised hit

_started = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", flush=True)


# --- database ---------------------------------------------------------------------------


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "ELASTICSEARCH_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=f"sqlite:///{DB_PATH}",
        MEDIA_ROOT=str(MEDIA_DIR),
        SHARED_STATE_DIR=str(BENCH_DIR / "shared"),  # stamps and shared cache of the bench, not var/shared
        DEBUG="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _schema_hash() -> str:
    """What a migrated schema depends on: our migration files and every installed package version."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()):
        digest.update(dist.encode())
    return digest.hexdigest()[:16]


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def fresh_database(env: dict[str, str]) -> None:
    """A new, migrated SQLite database at DB_PATH (from the cached schema when it matches)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    _remove_database(DB_PATH)
    shutil.rmtree(MEDIA_DIR, ignore_errors=True)
    shutil.rmtree(BENCH_DIR / "shared", ignore_errors=True)  # a new database: no cache entry of the last one
    template = BENCH_DIR / f"schema-{_schema_hash()}.sqlite3"
    if os.environ.get("BENCH_FRESH_SCHEMA") == "1" or not template.exists():
        for old in BENCH_DIR.glob("schema-*.sqlite3*"):
            old.unlink()
        building = BENCH_DIR / "schema-building.sqlite3"
        _remove_database(building)
        say("migrating a new database (the migrated schema is kept for the next run)")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT, check=True, env={**env, "DATABASE_URL": f"sqlite:///{building}", "BENCH_SEEDING": "1"},
        )
        with sqlite3.connect(building) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        building.rename(template)
        _remove_database(building)
    else:
        say(f"copying the migrated schema {template.name} (BENCH_FRESH_SCHEMA=1 migrates from scratch)")
    source = sqlite3.connect(template)
    source.execute("VACUUM INTO ?", (str(DB_PATH),))
    source.close()


# --- content ----------------------------------------------------------------------------


@dataclass
class Seeded:
    page_id: int
    key: str
    pages: int
    segments: int
    twin_key: str  # for the twins of step 4: a channel of their own, so their counts are told apart
    twin_channel_id: int


def _stream_id() -> str:
    return str(uuid.uuid4())


def _block(kind: str, value) -> dict:
    return {"type": kind, "value": value, "id": _stream_id()}


def _segment_definition(index: int) -> dict:
    """About five conditions, drawn from what marketers use; deterministic per index."""
    devices, countries = ("mobile", "desktop", "tablet"), ("GB", "US", "FR", "DE", "ES", "IT", "NL", "SE")
    sources = ("google", "newsletter", "facebook", "partner")
    pool = [
        {"attribute": "device", "operator": "equals", "value": devices[index % 3]},
        {"attribute": "country", "operator": "in", "value": [countries[index % 8], countries[(index + 3) % 8]]},
        {"attribute": "utm_source", "operator": "equals", "value": sources[index % 4]},
        {"attribute": "visit_count", "operator": "gte", "value": 2 + index % 5},
        {"any": [{"attribute": "referrer_host", "operator": "ends_with", "value": "google.com"},
                 {"attribute": "language", "operator": "equals", "value": "en"}]},
        {"attribute": "day_of_week", "operator": "day_of_week_in", "value": ["sat", "sun"], "timezone": "Europe/London"},
        {"attribute": "local_time", "operator": "time_between", "value": [f"{index % 24:02}:00", f"{(index + 8) % 24:02}:00"],
         "timezone": "Europe/London"},
        {"attribute": "first_visit", "operator": "equals", "value": index % 2 == 0},
    ]
    start = index % len(pool)
    return {"all": [pool[(start + offset) % len(pool)] for offset in range(5)]}


def seed() -> Seeded:
    """Runs inside Django (set up by main): 1,000 pages, 100 live segments, a key."""
    from datetime import date, timedelta

    from django.db import transaction
    from django.db.models.signals import post_save
    from django.utils import timezone
    from wagtail.signal_handlers import disable_reference_index_auto_update
    from tqdm import tqdm
    from wagtail.models import Page, Site

    from cms.api.keys import api_key_create
    from cms.demo_content import ARTICLES, AUTHORS, CHANNELS, SECTIONS
    from cms.demo_images import draw_demo_image
    from cms.models import ArticlePage, Author, CallToAction, CustomImage, HomePage, LandingPage, Promo, SectionPage
    from cms.models import Channel, ChannelRenditionPreset
    from personalization.models import Segment
    from personalization.specs import segment_definition_errors
    from search.indexing import sync_objects
    from search.signal_handlers import object_saved

    web_spec = CHANNELS[0]
    with transaction.atomic():
        web = Channel.objects.create(slug=web_spec["slug"], name=web_spec["name"], allowed_origins=web_spec["allowed_origins"])
        for order, (name, spec) in enumerate(web_spec["presets"]):
            ChannelRenditionPreset.objects.create(channel=web, name=name, filter_spec=spec, sort_order=order)
        images = [
            CustomImage.objects.create(title=title, file=draw_demo_image(title), alt_text=f"Illustration: {title}", credit="Tailor benchmark")
            for title in ("Harbour at dawn", "Market hall", "Night train", "Glasshouse", "Coastline", "Reading room", "Stadium", "Orchard")
        ]
        authors = [Author.objects.create(name=name, role=role) for name, role in AUTHORS]
        cta = CallToAction.objects.create(title="Claim the offer", text="Spring offers", button_label="Claim", link_url="https://example.com/offer")
        promos = [
            Promo.objects.create(title=title, body=f"<p><b>{title}</b>: limited time.</p>", image=images[n], link_url="https://example.com/")
            for n, title in enumerate(("Free delivery this week", "Members' evening"))
        ]
    say(f"images with their channel renditions, authors and snippets: {len(images)} images")

    segments = []
    for index in tqdm(range(SEGMENTS), desc="live segments", unit="segment", mininterval=1):
        segment = Segment(key=f"bench-{index:03}", name=f"Benchmark segment {index}", priority=index + 1,
                          definition=_segment_definition(index))
        errors = segment_definition_errors(segment)
        if errors:
            raise SystemExit(f"segment {segment.key} is not valid: {errors}")
        segment.save()
        segment.save_revision().publish()
        segments.append(segment)

    root = Page.objects.get(depth=1)
    home = HomePage(title="Tailor", slug="tailor-home", summary="Content for every customer, on every channel.",
                    body=[_block("heading", "Welcome to Tailor")])
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    placeholder = site.root_page
    site.root_page = home
    site.save()
    if placeholder.pk != home.pk:
        placeholder.delete()
    sections = []
    for slug, title, intro in SECTIONS:
        section = SectionPage(title=title, slug=slug, summary=intro, hero_image=images[len(sections)])
        home.add_child(instance=section)
        section.save_revision().publish()
        sections.append(section)

    def article_body(n: int, paragraphs: list[str], summary: str) -> list[dict]:
        link = sections[n % len(sections)]
        return [
            _block("heading", "Why it matters"),
            _block("paragraph", f'<p>{paragraphs[0]} See <a linktype="page" id="{link.pk}">{link.title}</a>.</p>'),
            _block("image", {"image": images[(n + 1) % len(images)].pk, "caption": "In practice"}),
            _block("paragraph", f"<p>{paragraphs[1]}</p><ul><li>Start small</li><li><b>Measure</b> it</li></ul>"),
            _block("quote", {"quote": summary, "attribution": authors[n % len(authors)].name}),
            _block("heading", "What to do next"),
            _block("paragraph", f"<p>{paragraphs[0]} {paragraphs[1]}</p>"),
        ]

    # The measured page: a campaign page whose hero offer two of the live segments decide.
    offer = LandingPage(
        title="Spring offers", slug="spring-offers", summary="Offers picked for you.", hero_image=images[0],
        body=[
            _block("hero", {"heading": "Spring offers", "subheading": "Picked for you", "image": images[0].pk,
                            "call_to_action": cta.pk}),
            _block("personalised", {
                "slot": "offer", "mode": "first",
                "default": [_block("heading", "Spring offers, picked for you")],
                "variants": [
                    {"type": "item", "id": _stream_id(), "value": {
                        "segments": [{"type": "item", "value": segment.pk, "id": _stream_id()}],
                        "channels": [], "content": [_block("heading", text)]}}
                    for segment, text in ((segments[3], "Welcome back: your offer is doubled"),
                                          (segments[7], "New here? Your first order ships free"))
                ],
            }),
            *article_body(0, ARTICLES[0][3], ARTICLES[0][2])[1:],
            _block("promo_cards", {"heading": "More for you", "promos": [promo.pk for promo in promos]}),
        ],
    )
    home.add_child(instance=offer)
    offer.save_revision().publish()

    # The rest, live with one revision each: publishing 1,000 pages one by one takes minutes.
    # Their search index entries are added in bulk at the end rather than one task per save,
    # and their reference index (the admin's usage counts; not read by the API) is left out.
    remaining = PAGES - Page.objects.filter(depth__gte=2).count()
    index_uid = "search.index.cms.ArticlePage.saved"  # search.signal_handlers: one outbox job per save
    post_save.disconnect(sender=ArticlePage, dispatch_uid=index_uid)
    created: list[int] = []
    now = timezone.now()
    tag_pool = ["journeys", "omnichannel", "personalisation", "segments", "analytics", "content-strategy", "mobile", "kiosk"]
    batch = 100
    with tqdm(total=remaining, desc="article pages", unit="page", mininterval=1) as progress:
        for start in range(0, remaining, batch):
            with transaction.atomic(), disable_reference_index_auto_update():
                for n in range(start, min(start + batch, remaining)):
                    _, title, summary, paragraphs, _ = ARTICLES[n % len(ARTICLES)]
                    page = ArticlePage(
                        title=f"{title} ({n + 1})", slug=f"article-{n + 1}", summary=summary,
                        hero_image=images[n % len(images)], publish_date=date(2026, 1, 5) + timedelta(days=n % 365),
                        body=article_body(n, paragraphs, summary), live=True, first_published_at=now, last_published_at=now,
                        authors=[authors[n % len(authors)]],
                    )
                    page.tags.add(tag_pool[n % len(tag_pool)], tag_pool[(n + 3) % len(tag_pool)])
                    sections[n % len(sections)].add_child(instance=page)
                    revision = page.save_revision(clean=False)
                    Page.objects.filter(pk=page.pk).update(live_revision=revision, has_unpublished_changes=False)
                    created.append(page.pk)
                    progress.update()
    post_save.connect(object_saved, sender=ArticlePage, dispatch_uid=index_uid)
    for start in range(0, len(created), 250):
        sync_objects(ArticlePage, created[start : start + 250])
    say(f"search index: {len(created)} article pages added in bulk")

    _, raw_key = api_key_create(channel=web, name="benchmark", scopes=["delivery"])
    twins = Channel.objects.create(slug="bench-twins", name="Benchmark twins", allowed_origins=web_spec["allowed_origins"])
    _, twin_key = api_key_create(channel=twins, name="benchmark twins", scopes=["delivery"])
    return Seeded(page_id=offer.pk, key=raw_key, pages=Page.objects.filter(depth__gte=2, live=True).count(),
                  segments=Segment.objects.filter(live=True).count(), twin_key=twin_key, twin_channel_id=twins.pk)


# --- server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"), "config.wsgi:application",
        "--workers", str(WORKERS), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def stop_gunicorn(server: subprocess.Popen | None) -> None:
    """SIGTERM to the master we started (it stops its workers); SIGKILL if it does not go."""
    if server is None or server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def wait_until_up(server: subprocess.Popen, base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f}s")


def fetch(url: str, key: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- wrk --------------------------------------------------------------------------------------

# Every request of a run gets `_=<thread>-<run tag>-<counter>`: a value no earlier request used.
MISS_SCRIPT = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
  prefix = wrk.path .. separator .. "_=" .. id .. "-" .. (args[1] or "run") .. "-"
  counter = 0
end
function request()
  counter = counter + 1
  return wrk.format(nil, prefix .. counter)
end
"""


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    problems = [line.strip() for line in output.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    return Result(rps, p50, p99, requests, "; ".join(problems))


def combine(results: list[Result]) -> Result:
    """Rounds of one scenario: mean req/s (equal durations), median p50, worst p99, all requests."""
    p50s = sorted(r.p50_ms for r in results)
    return Result(
        rps=sum(r.rps for r in results) / len(results),
        p50_ms=p50s[len(p50s) // 2] if len(p50s) % 2 else (p50s[len(p50s) // 2 - 1] + p50s[len(p50s) // 2]) / 2,
        p99_ms=max(r.p99_ms for r in results),
        requests=sum(r.requests for r in results),
        errors="; ".join(r.errors for r in results if r.errors),
    )


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def run_wrk(url: str, *, seconds: int, key: str | None, script: Path | None, tag: str) -> Result:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if key:
        command += ["-H", f"Authorization: Bearer {key}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script:
        command += ["--", tag]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if completed.returncode != 0:
        raise SystemExit(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    return parse_wrk(completed.stdout)


@dataclass
class Scenario:
    label: str
    name: str
    path: str
    keyed: bool = False
    miss: bool = False


def scenarios(page_id: int) -> list[Scenario]:
    return [
        Scenario("a", "trivial Django JSON view", "/reference/trivial/"),
        Scenario("b", "stock Wagtail v2 page detail", f"/reference/api/v2/pages/{page_id}/"),
        Scenario("c", "Tailor detail, cache hit", f"/api/v2/pages/{page_id}/", keyed=True),
        Scenario("d", "Tailor detail, cache miss", f"/api/v2/pages/{page_id}/", keyed=True, miss=True),
        Scenario("e", "Tailor listing ?limit=20, hit", "/api/v2/pages/?limit=20", keyed=True),
        Scenario("f", "stock listing ?limit=20", "/reference/api/v2/pages/?limit=20"),
    ]


def check_responses(base: str, seeded: Seeded) -> None:
    """Every measured URL answers 200 with the body it should, before any load."""
    import json

    for scenario in scenarios(seeded.page_id):
        status, body = fetch(base + scenario.path, seeded.key if scenario.keyed else None)
        if status != 200:
            raise SystemExit(f"{scenario.path} answered {status}: {body[:300]!r}")
    _, body = fetch(f"{base}/api/v2/pages/{seeded.page_id}/", seeded.key)
    meta = json.loads(body)["meta"]["personalization"]
    if len(meta["referenced_segments"]) != 2:
        raise SystemExit(f"the measured page should be decided by two segments: {meta}")
    _, body = fetch(f"{base}/api/v2/pages/?limit=20", seeded.key)
    if json.loads(body)["meta"]["total_count"] != seeded.pages:
        raise SystemExit("the listing does not count every seeded page")


# --- impression counting -----------------------------------------------------------------------


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass
class CountingCost:
    cpu_counting: float  # CPU seconds per hit served in this process, counting: the median block
    cpu_not_counting: float
    cpu_ratios: list[float]  # counting / not counting, per pair of blocks
    note_seconds: float  # `served_body_note` alone, per call
    wrk_counting: Result  # the hit on the counting twin
    wrk_not_counting: Result
    wrk_ratios: list[float]  # requests/s, counting / not counting, per pair
    completed: int  # requests wrk saw completed on the counting twin, warm-up included
    counted: int = 0  # bodies the counting twin added to ServedImpression


def cpu_per_hit(seeded: Seeded, *, counting: bool, requests: int) -> float:
    """CPU seconds per personalised cache hit served by Django's WSGI handler in this process."""
    import io

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    from personalization.events import served

    handler, statuses = WSGIHandler(), []
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": f"/api/v2/pages/{seeded.page_id}/", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {seeded.key}", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
    }
    settings.IMPRESSIONS_COUNTING = counting
    started = time.process_time()
    for _ in range(requests):
        handler({**environ, "wsgi.input": io.BytesIO()}, lambda status, headers, exc_info=None: statuses.append(status)).close()
    if counting:
        served.served_flush()  # the database write a server's flusher makes, here once per block
    elapsed = time.process_time() - started
    if set(statuses) != {"200 OK"}:
        raise SystemExit(f"the in-process hit answered {sorted(set(statuses))}")
    return elapsed / requests


def note_time(body: bytes, calls: int = 100_000) -> float:
    """Seconds per `served_body_note` on a body (its tally memoised, as on every hit but the first)."""
    from personalization.events import served

    started = time.perf_counter()
    for _ in range(calls):
        served.served_body_note(channel_id=0, page_id=0, etag='"timed"', body=body)
    elapsed = (time.perf_counter() - started) / calls
    served._buffer.take()  # counted for the timing only
    return elapsed


def measure_counting(bases: dict[bool, str], seeded: Seeded) -> CountingCost:
    """The personalised hit with and without counting: CPU time in this process, throughput of the twins."""
    requests = 300
    for counting in (True, False):
        cpu_per_hit(seeded, counting=counting, requests=requests)  # warm-up: memos, the cached body
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for number in range(COUNTING_BLOCKS):
        for counting in ((True, False) if number % 2 == 0 else (False, True)):
            cpu[counting].append(cpu_per_hit(seeded, counting=counting, requests=requests))
    say(f"  CPU per hit in-process: {median(cpu[True]) * 1e3:.3f} ms counting, {median(cpu[False]) * 1e3:.3f} ms not")

    url = {counting: f"{bases[counting]}/api/v2/pages/{seeded.page_id}/" for counting in (True, False)}
    completed = 0
    if WARMUP_SECONDS:
        for counting in (True, False):
            warm = run_wrk(url[counting], seconds=WARMUP_SECONDS, key=seeded.twin_key, script=None, tag="warm")
            completed += warm.requests if counting else 0
    seconds = max(1, round(SECONDS / COUNTING_PAIRS))
    runs: dict[bool, list[Result]] = {True: [], False: []}
    for number in range(COUNTING_PAIRS):
        for counting in ((True, False) if number % 2 == 0 else (False, True)):
            runs[counting].append(run_wrk(url[counting], seconds=seconds, key=seeded.twin_key, script=None, tag="pair"))
        completed += runs[True][-1].requests
        say(f"  pair {number + 1} of {COUNTING_PAIRS}: {runs[True][-1].rps:.1f} req/s counting, {runs[False][-1].rps:.1f} not")
    return CountingCost(
        cpu_counting=median(cpu[True]), cpu_not_counting=median(cpu[False]),
        cpu_ratios=[on / off for on, off in zip(cpu[True], cpu[False])],
        note_seconds=note_time(fetch(url[False], seeded.twin_key)[1]),  # the twin that does not count
        wrk_counting=combine(runs[True]), wrk_not_counting=combine(runs[False]),
        wrk_ratios=[on.rps / off.rps for on, off in zip(runs[True], runs[False])], completed=completed,
    )


def counted_bodies(page_id: int, channel_id: int) -> int:
    """Bodies of the measured page served on a channel, in ServedImpression (segment "", slot "": each body once)."""
    from django.db.models import Sum

    from personalization.events.models import ServedImpression

    rows = ServedImpression.objects.filter(page_id=page_id, channel_id=channel_id, segment="", slot="")
    return rows.aggregate(total=Sum("count"))["total"] or 0


def report_counting(cost: CountingCost) -> tuple[bool, bool]:
    """Print what counting adds to a hit; (target met, every body counted and no run saw errors)."""
    added = median(cost.cpu_ratios) - 1
    print()
    print("server-side impression counting, personalised cache hit (c), same run:")
    print(f"   CPU per hit in-process      {cost.cpu_counting * 1e3:8.3f} ms counting, {cost.cpu_not_counting * 1e3:.3f} ms not"
          f" (median of {COUNTING_BLOCKS} blocks each)")
    print(f"   added CPU, median of pairs  {added:+8.2%}  <= {TARGET_COUNTING_COST:.0%}  "
          f"{'PASS' if added <= TARGET_COUNTING_COST else 'FAIL'}  (pairs of blocks: "
          f"{', '.join(f'{r - 1:+.1%}' for r in cost.cpu_ratios)})")
    print(f"   served_body_note alone      {cost.note_seconds * 1e6:8.2f} µs per call "
          f"({cost.note_seconds / cost.cpu_not_counting:.2%} of a hit's CPU)")
    wrk_ratio = median(cost.wrk_ratios)
    print(f"   wrk on twin servers         {cost.wrk_counting.rps:8.1f} req/s counting, {cost.wrk_not_counting.rps:.1f} not: "
          f"{wrk_ratio:.3f} (median of {COUNTING_PAIRS} pairs: {', '.join(f'{r:.2f}' for r in cost.wrk_ratios)}; "
          f"load average {_load()})")
    # wrk stops with up to CONNECTIONS requests in flight per run, which the server still serves and counts.
    runs = COUNTING_PAIRS + (1 if WARMUP_SECONDS else 0)
    extra = cost.counted - cost.completed
    right = 0 <= extra <= CONNECTIONS * runs
    print(f"   bodies counted by the twin  {cost.counted:8d} for {cost.completed} requests wrk saw completed "
          f"(+{extra}: at most {CONNECTIONS * runs} in flight when wrk stopped)" + ("" if right else "  !! miscounted"))
    errors = cost.wrk_counting.errors or cost.wrk_not_counting.errors
    return added <= TARGET_COUNTING_COST, right and not errors


# --- report ---------------------------------------------------------------------------------


def report(results: dict[str, Result]) -> tuple[bool, bool]:
    """Print the table; (targets met, every run clean of non-2xx responses and socket errors)."""
    names = {s.label: s.name for s in scenarios(0)}
    print()
    print(f"API benchmark: {WORKERS} gunicorn sync workers; wrk -t{THREADS} -c{CONNECTIONS} --latency, "
          f"{SECONDS}s per scenario in {ROUNDS} interleaved round(s); {PAGES} pages, {SEGMENTS} live segments; "
          f"{os.cpu_count()} CPUs")
    print(f"{'':3}{'scenario':34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}")
    for label, result in results.items():
        print(f"{label:3}{names[label]:34}{result.rps:10.1f}{result.p50_ms:10.2f}{result.p99_ms:10.2f}{result.requests:10d}"
              + (f"  !! {result.errors}" if result.errors else ""))
    a, b, c, d = (results[k].rps for k in "abcd")
    rows = [
        ("b/a", "stock detail / trivial", b / a, None),
        ("c/a", "our hit / trivial", c / a, TARGET_HIT_VS_TRIVIAL),
        ("c/b", "our hit / stock detail", c / b, TARGET_VS_STOCK),
        ("d/b", "our miss / stock detail", d / b, TARGET_VS_STOCK),
        ("e/f", "our listing / stock listing", results["e"].rps / results["f"].rps, None),
    ]
    print()
    print(f"{'ratio':6}{'':30}{'value':>8}  target")
    passed = True
    for name, what, value, target in rows:
        verdict = "" if target is None else (f">= {target:.1f}  PASS" if value >= target else f">= {target:.1f}  FAIL")
        passed &= target is None or value >= target
        print(f"{name:6}{what:30}{value:8.2f}  {verdict}")
    clean = all(not result.errors for result in results.values())
    print()
    print("targets (PRODUCT.md): " + ("all met" if passed else "NOT all met")
          + ("" if clean else "; some runs had non-2xx responses or socket errors (see !!)"))
    return passed, clean


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed")
    env = _environment(SECRET_KEY=secrets.token_urlsafe(50))
    fresh_database(env)

    say(f"seeding {PAGES} pages and {SEGMENTS} live segments")
    os.environ.update(env)
    os.environ["BENCH_SEEDING"] = "1"
    import django

    django.setup()
    from django.db import connections

    seeded = seed()
    connections.close_all()
    say(f"seeded: {seeded.pages} live pages, {seeded.segments} live segments; measured page id {seeded.page_id}")

    # "main" serves step 3; the twins, counting impressions (True) and not (False), step 4.
    bases = {name: f"http://127.0.0.1:{free_port()}" for name in ("main", True, False)}
    base = bases["main"]
    servers: dict[object, subprocess.Popen] = {}
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for name, url in bases.items():  # all start before any is waited for: their start-ups overlap
            counting = {"IMPRESSIONS_COUNTING": "0"} if name is False else {}
            servers[name] = start_gunicorn({**env, **counting}, int(url.rsplit(":", 1)[1]))
        for name, url in bases.items():
            wait_until_up(servers[name], url)
        say(f"gunicorn up on {base} (pid {servers['main'].pid}); twins counting impressions "
            f"on {bases[True]}, not on {bases[False]}")
        check_responses(base, seeded)
        rounds: dict[str, list[Result]] = {s.label: [] for s in scenarios(seeded.page_id)}
        slice_seconds = max(1, round(SECONDS / ROUNDS))
        with tempfile.TemporaryDirectory() as scratch:
            miss_script = Path(scratch) / "miss.lua"
            miss_script.write_text(MISS_SCRIPT)
            for number in range(ROUNDS):
                say(f"round {number + 1} of {ROUNDS}: {slice_seconds}s per scenario; load average {_load()}")
                for scenario in scenarios(seeded.page_id):
                    key = seeded.key if scenario.keyed else None
                    script = miss_script if scenario.miss else None
                    url = base + scenario.path
                    if WARMUP_SECONDS and number == 0:
                        run_wrk(url, seconds=WARMUP_SECONDS, key=key, script=script, tag=f"warm{time.time_ns()}")
                    r = run_wrk(url, seconds=slice_seconds, key=key, script=script, tag=f"run{time.time_ns()}")
                    rounds[scenario.label].append(r)
                    say(f"  {scenario.label} {scenario.name}: {r.rps:.1f} req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms")
        say(f"load average {_load()}")
        say("impression counting: the personalised hit with and without it")
        cost = measure_counting({counting: bases[counting] for counting in (True, False)}, seeded)
        stop_gunicorn(servers.pop(True))  # SIGTERM: its workers hand over what they counted
        cost.counted = counted_bodies(seeded.page_id, seeded.twin_channel_id)
        targets_met, clean = report({label: combine(results) for label, results in rounds.items()})
        counting_met, counting_clean = report_counting(cost)
        targets_met &= counting_met
        clean &= counting_clean
    finally:
        for server in servers.values():
            stop_gunicorn(server)
        signal.signal(signal.SIGTERM, previous)
        say("gunicorn stopped")
    print(f"reproduce: .venv/bin/python tests/benchmarks/bench_api.py  (database: {DB_PATH.relative_to(ROOT)})")
    if not clean:
        return 1  # figures with errors in them measure something else
    return 0 if targets_met or os.environ.get("BENCH_STRICT") != "1" else 1


if __name__ == "__main__":
    sys.exit(main())
