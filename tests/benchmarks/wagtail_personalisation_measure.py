"""The measuring half of bench_wagtail_personalisation.py; runs in that benchmark's own virtualenv.

Run through bench_wagtail_personalisation.py, which builds the virtualenv first. Builds N
segments expressed the same way in wagtail-personalisation's rules and in our definition
format, checks that both pick the same segments for every sample request, then times each
side per request, from a Django HttpRequest to the list of matched segments:

- wagtail-personalisation: what its ``before_serve_page`` hook does on every page request,
  ``get_segment_adapter(request).refresh()``, then ``adapter.get_segments()``;
- ours: what ``PersonalizationState`` does: ``profile_load`` (cached), ``visitor_context``
  and ``Ruleset.evaluate`` of a ruleset compiled once (as the per-process ruleset cache keeps it).

Neither side's visit bookkeeping is timed (their ``add_page_visit`` hook, our ``visit_note``).
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module, metadata
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.benchmarks.wagtail_personalisation_settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from wagtail.models import Page  # noqa: E402
from wagtail_personalisation import rules as wp_rules  # noqa: E402
from wagtail_personalisation.adapters import get_segment_adapter  # noqa: E402
from wagtail_personalisation.models import Segment as WPSegment  # noqa: E402

from personalization.engine import Ruleset, SegmentSpec, compile_ruleset  # noqa: E402
from personalization.profiles import profile_load, profile_upsert, visits_apply  # noqa: E402
from personalization.request_context import visitor_context  # noqa: E402

GOAL_RATIO = 100.0
# Ascending: each size adds segments to those of the one before.
SIZES = tuple(sorted({int(size) for size in os.environ.get("BENCH_WP_SIZES", "10,100,1000").split(",")}))
REPEATS = 5
# Each timed pass lasts about this long, so that both sides are timed over comparable spans.
PASS_SECONDS = 0.25
WARMUP_SECONDS = 2.0
CHANNEL = "web"
TAILORED_EVERY = 8  # every 8th segment is written for one of the sample visitors; the rest are random
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEVICES = ("mobile", "tablet", "desktop")
COUNTRIES = ("GB", "US", "FR", "DE", "SE", "ES")
REFERRER_HOSTS = ("google.com", "facebook.com", "bing.com", "news.example.org", "t.co", "linkedin.com")
UTM_VALUES = {"utm_source": ("newsletter", "google", "partner", "facebook"),
              "utm_campaign": ("spring-sale", "summer", "loyalty")}
VISIT_OPERATORS = {"more_than": "gt", "less_than": "lt", "equal_to": "equals"}


@dataclass(frozen=True)
class Visitor:
    """One sample request: what the browser sends, and how often the visitor came."""

    key: str
    user_agent: str
    device: str  # what a headless frontend sends us as X-Device for that user agent
    country: str
    referrer: str | None
    utm: dict[str, str]
    logged_in: bool
    visits: int  # including this one


VISITORS = (
    Visitor("iphone-gb", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "mobile", "GB",
            "https://www.google.com/search?q=spring+offers", {"utm_source": "newsletter"}, False, 1),
    Visitor("windows-us", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36", "desktop", "US", "https://www.facebook.com/",
            {"utm_source": "google", "utm_campaign": "spring-sale"}, True, 5),
    Visitor("ipad-fr", "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "tablet", "FR",
            None, {}, False, 3),
    Visitor("mac-de", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.4 Safari/605.1.15", "desktop", "DE", "https://news.example.org/articles/42",
            {"utm_source": "partner"}, True, 12),
    Visitor("android-gb", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36", "mobile", "GB", "https://www.bing.com/search?q=offers",
            {"utm_campaign": "summer"}, False, 2),
    Visitor("linux-se", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "desktop", "SE", None, {"utm_source": "facebook"}, False, 7),
)


@dataclass(frozen=True)
class Rule:
    """One rule in both systems: their rule model with its fields, and our condition."""

    model: type
    fields: dict[str, object]
    condition: dict[str, object]


@dataclass(frozen=True)
class Fixtures:
    """What the sample requests refer to: the counted page, the logged-in user, the run's clock."""

    page: Page
    member: User
    now: datetime


def leaf(attribute: str, operator: str, value: object = None, **extra: object) -> dict[str, object]:
    """A condition in our definition format (no value for operators that take none)."""
    condition: dict[str, object] = {"attribute": attribute, "operator": operator}
    if value is not None:
        condition["value"] = value
    return {**condition, **extra}


# --- rules: one builder per rule type of wagtail-personalisation ---------------------------------
# Each takes the visitor the segment is written for (its rule then matches that visitor) or
# None (random parameters from the same pools, which match some visitors by chance).


def time_rule(rng: random.Random, target: Visitor | None, now: datetime) -> Rule:
    """TimeRule compares the server's UTC clock; ours reads local_time in UTC."""
    minute = now.hour * 60 + now.minute
    if target is not None or rng.random() < 0.5:
        # Three hours either side of now: the run ends long before the window does.
        start, end = max(0, minute - 180), min(24 * 60 - 1, minute + 180)
    elif minute < 16 * 60:
        start, end = minute + 240, minute + 480
    else:
        start, end = minute - 480, minute - 240
    first, last = (datetime(2000, 1, 1) + timedelta(minutes=value) for value in (start, end))
    return Rule(wp_rules.TimeRule, {"start_time": first.time(), "end_time": last.time()},
                leaf("local_time", "time_between", [f"{first:%H:%M}", f"{last:%H:%M}"], timezone="UTC"))


def day_rule(rng: random.Random, target: Visitor | None, now: datetime) -> Rule:
    days = set(rng.sample(range(7), rng.randint(1, 4)))
    if target is not None:
        days.add(now.weekday())
    chosen = [DAYS[day] for day in sorted(days)]
    return Rule(wp_rules.DayRule, dict.fromkeys(chosen, True),
                leaf("day_of_week", "day_of_week_in", chosen, timezone="UTC"))


def referral_rule(rng: random.Random, target: Visitor | None, now: datetime) -> Rule:
    """Their regular expression on the Referer header, anchored on the host; our referrer_host."""
    host = _host(target.referrer) if target is not None else rng.choice(REFERRER_HOSTS)
    return Rule(wp_rules.ReferralRule, {"regex_string": rf"^https?://(www\.)?{re.escape(host)}(/|$)"},
                leaf("referrer_host", "equals", host))


def visit_count_rule(rng: random.Random, target: Visitor | None, now: datetime) -> Rule:
    """Their visits to the home page this session; our visits to the site (both count this one)."""
    operator = rng.choice(tuple(VISIT_OPERATORS))
    if target is None:
        count = rng.randint(0, 10)
    elif operator == "more_than":
        count = rng.randint(0, target.visits - 1)
    elif operator == "less_than":
        count = rng.randint(target.visits + 1, target.visits + 5)
    else:
        count = target.visits
    return Rule(wp_rules.VisitCountRule, {"operator": operator, "count": count},
                leaf("visit_count", VISIT_OPERATORS[operator], count))


def query_rule(rng: random.Random, target: Visitor | None, now: datetime) -> Rule:
    if target is not None:
        parameter, value = rng.choice(sorted(target.utm.items()))
    else:
        parameter = rng.choice(tuple(UTM_VALUES))
        value = rng.choice(UTM_VALUES[parameter])
    return Rule(wp_rules.QueryRule, {"parameter": parameter, "value": value},
                leaf(parameter, "equals", value))


def device_rule(rng: random.Random, target: Visitor | None, now: datetime) -> Rule:
    """Theirs parses the User-Agent; a headless frontend sends us the device it detected."""
    chosen = set(rng.sample(DEVICES, rng.randint(1, 2)))
    if target is not None:
        chosen.add(target.device)
    return Rule(wp_rules.DeviceRule, {device: device in chosen for device in DEVICES},
                leaf("device", "in", sorted(chosen)))


def logged_in_rule(rng: random.Random, target: Visitor | None, now: datetime) -> Rule:
    """Theirs reads request.user; the frontend tells us with a request trait, ctx.logged_in=yes."""
    logged_in = target.logged_in if target is not None else rng.random() < 0.5
    condition = leaf("ctx.logged_in", "equals", "yes") if logged_in else leaf("ctx.logged_in", "not_exists")
    return Rule(wp_rules.UserIsLoggedInRule, {"is_logged_in": logged_in}, condition)


def country_rule(rng: random.Random, target: Visitor | None, now: datetime) -> Rule:
    """Theirs reads Cloudflare's CF-IPCountry header (no GeoIP database); ours X-Country."""
    country = target.country if target is not None else rng.choice(COUNTRIES)
    return Rule(wp_rules.OriginCountryRule, {"country": country.lower()}, leaf("country", "equals", country))


RULE_BUILDERS: dict[str, Callable[[random.Random, Visitor | None, datetime], Rule]] = {
    "time": time_rule, "day": day_rule, "referral": referral_rule, "visits": visit_count_rule,
    "query": query_rule, "device": device_rule, "logged_in": logged_in_rule, "country": country_rule,
}


def _host(url: str) -> str:
    return re.match(r"https?://(?:www\.)?([^/]+)", url).group(1)


def _applicable(kind: str, target: Visitor | None) -> bool:
    """A rule written for a visitor needs that visitor to have what it tests."""
    if target is None:
        return True
    return {"referral": target.referrer is not None, "query": bool(target.utm)}.get(kind, True)


def segment_key(index: int) -> str:
    return f"seg-{index:04}"


def segment_rules(index: int, now: datetime) -> list[Rule]:
    """The 3 to 5 rules of segment ``index``, all of which must match; the same for any N."""
    rng = random.Random(f"wagtail-personalisation-{index}")
    target = VISITORS[(index // TAILORED_EVERY) % len(VISITORS)] if index % TAILORED_EVERY == 0 else None
    kinds = [kind for kind in RULE_BUILDERS if _applicable(kind, target)]
    return [RULE_BUILDERS[kind](rng, target, now) for kind in rng.sample(kinds, rng.randint(3, 5))]


# --- both systems' segments -----------------------------------------------------------------------


def store_their_segments(start: int, stop: int, fixtures: Fixtures) -> None:
    """Segments start..stop-1 as wagtail-personalisation stores them: enabled, dynamic, match all."""
    with transaction.atomic():
        for index in range(start, stop):
            segment = WPSegment.objects.create(name=segment_key(index), status=WPSegment.STATUS_ENABLED,
                                               type=WPSegment.TYPE_DYNAMIC, match_any=False)
            for rule in segment_rules(index, fixtures.now):
                extra = {"counted_page": fixtures.page} if rule.model is wp_rules.VisitCountRule else {}
                rule.model.objects.create(segment=segment, **rule.fields, **extra)


def our_ruleset(size: int, now: datetime) -> Ruleset:
    """The same segments compiled by our engine (lower priority numbers win, as their order)."""
    specs = [SegmentSpec(segment_key(index), f"Segment {index}", index,
                         {"all": [rule.condition for rule in segment_rules(index, now)]})
             for index in range(size)]
    return compile_ruleset(specs)


# --- requests ---------------------------------------------------------------------------------------


def visitor_id(visitor: Visitor) -> str:
    return f"bench-{visitor.key}"


def prepare_visitors(fixtures: Fixtures) -> None:
    """Our stored profiles: consent to behaviour data and the visits before this one."""
    for visitor in VISITORS:
        profile_upsert(visitor_id=visitor_id(visitor), consent=["behaviour"])
        if visitor.visits > 1:
            visits_apply(visits={visitor_id(visitor): visitor.visits - 1}, at=fixtures.now.isoformat())


def build_request(visitor: Visitor, factory: RequestFactory, fixtures: Fixtures) -> HttpRequest:
    """A fresh request as both systems see it after Django's middleware: session and user set.

    It carries what each system reads: the User-Agent and CF-IPCountry for theirs, the
    X-Device and X-Country a headless frontend sends for ours, and the Referer and query
    string for both. Their session holds the visits to the counted page, already loaded
    (no session query is timed), as our profile is already in the cache.
    """
    query = dict(visitor.utm)
    if visitor.logged_in:
        query["ctx.logged_in"] = "yes"
    headers = {
        "HTTP_USER_AGENT": visitor.user_agent, "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8",
        "HTTP_CF_IPCOUNTRY": visitor.country, "HTTP_X_COUNTRY": visitor.country,
        "HTTP_X_DEVICE": visitor.device, "HTTP_X_VISITOR_ID": visitor_id(visitor),
    }
    if visitor.referrer:
        headers["HTTP_REFERER"] = visitor.referrer
    request = factory.get("/", query, **headers)
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.session["visit_count"] = [{"slug": fixtures.page.slug, "id": fixtures.page.pk,
                                       "path": fixtures.page.url_path, "count": visitor.visits}]
    request.user = fixtures.member if visitor.logged_in else AnonymousUser()
    return request


def fresh_requests(copies: int, factory: RequestFactory, fixtures: Fixtures) -> list[HttpRequest]:
    """``copies`` fresh requests per visitor, interleaved; nothing parsed or cached on them yet."""
    return [build_request(visitor, factory, fixtures) for _ in range(copies) for visitor in VISITORS]


# --- the two per-request evaluations ------------------------------------------------------------------


def their_segments(request: HttpRequest) -> list[str]:
    """wagtail-personalisation's per-request work: refresh the session's segments, read them."""
    adapter = get_segment_adapter(request)
    adapter.refresh()
    return [segment.name for segment in adapter.get_segments()]


def our_segments(request: HttpRequest, ruleset: Ruleset) -> tuple[str, ...]:
    """Ours, as delivery does it: the cached profile, the visitor context, the compiled ruleset."""
    headers = request.headers
    profile = profile_load(headers.get("X-Visitor-Id"))
    context = visitor_context(channel=CHANNEL, params=dict(request.GET.items()), headers=headers,
                              profile=profile)
    return ruleset.evaluate(context).matched


# --- measuring ------------------------------------------------------------------------------------------


class QueryCounter:
    """A database execute wrapper counting queries (Django's query log stops at 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def check_agreement(ruleset: Ruleset, factory: RequestFactory, fixtures: Fixtures) -> tuple[list[int], float]:
    """Segments matched per visitor and their SQL queries per request; exits when the systems disagree.

    It also warms both sides up: every visitor's request has been through each once.
    """
    counts, queries = [], 0
    for visitor in VISITORS:
        ours = set(our_segments(build_request(visitor, factory, fixtures), ruleset))
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            theirs = set(their_segments(build_request(visitor, factory, fixtures)))
        if ours != theirs:
            raise SystemExit(f"the two systems disagree for {visitor.key}: "
                             f"only ours {sorted(ours - theirs)}, only theirs {sorted(theirs - ours)}")
        counts.append(len(ours))
        queries += counter.count
    return counts, queries / len(VISITORS)


def timed_pass(decide: Callable[[HttpRequest], object], requests: Sequence[HttpRequest]) -> float:
    """Nanoseconds per request of ``decide`` over ``requests`` (wall time)."""
    clock = time.perf_counter_ns
    start = clock()
    for request in requests:
        decide(request)
    return (clock() - start) / len(requests)


def warm_up(decide: Callable[[HttpRequest], object], factory: RequestFactory, fixtures: Fixtures) -> int:
    """Passes of fresh requests, doubling, for WARMUP_SECONDS (at least one pass); then how
    many requests per visitor make a timed pass of about PASS_SECONDS.

    Our side keeps getting faster over its first seconds of requests, after the agreement
    check's single requests; theirs, at a second or more per request, is warm after one.
    """
    deadline = time.monotonic() + WARMUP_SECONDS
    copies = 1
    per_request = timed_pass(decide, fresh_requests(copies, factory, fixtures))
    while time.monotonic() < deadline:
        copies *= 2
        per_request = timed_pass(decide, fresh_requests(copies, factory, fixtures))
    return max(1, round(PASS_SECONDS * 1e9 / (per_request * len(VISITORS))))


def measure(sides: dict[str, Callable[[HttpRequest], object]], factory: RequestFactory,
            fixtures: Fixtures) -> dict[str, float]:
    """Median ns per request of each side over REPEATS passes, the sides interleaved.

    Interleaving lets a change in the machine's load during the run reach both sides alike.
    Every pass gets fresh requests, built outside the timed loop, so that neither side
    finds the other's (or its own earlier) parsing or caching on the request object.
    """
    copies = {name: warm_up(decide, factory, fixtures) for name, decide in sides.items()}
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(REPEATS):
        for name, decide in sides.items():
            samples[name].append(timed_pass(decide, fresh_requests(copies[name], factory, fixtures)))
    return {name: statistics.median(values) for name, values in samples.items()}


# --- setup and report -------------------------------------------------------------------------------------


def set_up() -> Fixtures:
    """An in-memory database with Wagtail's tables, a member, and our stored profiles."""
    call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    fixtures = Fixtures(page=Page.objects.get(depth=2), member=User.objects.create_user("bench-member"),
                        now=datetime.now(UTC))
    prepare_visitors(fixtures)
    return fixtures


def check_devices() -> None:
    """Each sample's X-Device is what wagtail-personalisation makes of its User-Agent."""
    from user_agents import parse

    for visitor in VISITORS:
        agent = parse(visitor.user_agent)
        # the order DeviceRule.test_user asks in
        kinds = (("mobile", agent.is_mobile), ("tablet", agent.is_tablet), ("desktop", agent.is_pc))
        detected = next((kind for kind, found in kinds if found), None)
        if detected != visitor.device:
            raise SystemExit(f"{visitor.key}: the user agent reads as {detected}, "
                             f"the sample says {visitor.device}")


def say(message: str) -> None:
    print(message, flush=True)


def header() -> None:
    packages = ("wagtail-personalisation", "wagtail", "Django")
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in packages)
    say(f"{versions}; CPython {sys.version.split()[0]}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    say(f"{len(VISITORS)} sample requests (session, user, user agent, referer, query string); "
        f"3-5 rules per segment, all must match; SQLite in memory; wall time per request, "
        f"median of {REPEATS} interleaved passes")
    say(f"{'segments':>8} {'ours µs':>9} {'ours req/s':>11} {'theirs µs':>10} {'theirs req/s':>13} "
        f"{'ratio':>8} {'matched':>8} {'their SQL/req':>14}")


def main() -> int:
    started = time.monotonic()
    check_devices()
    fixtures = set_up()
    factory = RequestFactory()
    header()
    ratios = {}
    stored = 0
    for size in SIZES:
        store_their_segments(stored, size, fixtures)
        stored = size
        ruleset = our_ruleset(size, fixtures.now)
        matched, queries = check_agreement(ruleset, factory, fixtures)
        medians = measure({"ours": lambda request, rules=ruleset: our_segments(request, rules),
                           "theirs": their_segments}, factory, fixtures)
        ratios[size] = medians["theirs"] / medians["ours"]
        ours_us, theirs_us = medians["ours"] / 1000, medians["theirs"] / 1000
        say(f"{size:>8,} {ours_us:>9.1f} {1e6 / ours_us:>11,.0f} {theirs_us:>10,.0f} "
            f"{1e6 / theirs_us:>13,.1f} {ratios[size]:>7,.0f}× {statistics.mean(matched):>8.2f} "
            f"{queries:>14,.0f}")
    lowest = min(ratios, key=ratios.get)
    verdict = "met" if ratios[lowest] >= GOAL_RATIO else "NOT met"
    say(f"goal ≥ {GOAL_RATIO:.0f}× faster than wagtail-personalisation at every size: {verdict} "
        f"(lowest {ratios[lowest]:,.0f}× at {lowest:,} segments); both agreed on every sample's segments; "
        f"{time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
