"""Benchmark of the segment-membership diff on PostgreSQL: profiles evaluated per second.

Run: .venv/bin/python tests/benchmarks/bench_membership.py        (or `make bench`)
Target (issue #16): the diff for 1,000,000 profiles after an import takes ≤ 60 s.

What it does:
1. a PostgreSQL database of its own (BENCH_MEMBERSHIP_DATABASE, default
   `tailor_bench_membership`, on the server of BENCH_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/), migrated (a no-op once it is), its profile and
   membership tables emptied;
2. BENCH_PROFILES (100,000 by default: this machine is shared; 1,000,000 for the issue's
   figure) profiles inserted in one INSERT … SELECT over generate_series with a seeded
   random(): a plan (gold, silver, free), a yearly spend, a city, a visit count, a few
   pages and events; 80 % consent to CRM data, 60 % to behaviour;
3. six live segments over those traits and that behaviour (equals, greater than, in a list,
   visit counts, pages, events within days, all / any);
4. the full diff from no membership (everyone who matches enters), with a progress bar;
   then a full diff again (nothing changes: the steady state of the daily run); then 1 %
   of the profiles changed (as an import would) and the incremental diff, which reads only
   the profiles changed since the last run;
5. the baseline, in the same run: reading the same columns of every profile (no evaluation),
   the floor any diff in Python pays; and the scaling of the first figure to 1,000,000.

Webhooks are not sent (no webhook is registered; their cost is one outbox row per 500 changes).
Environment: BENCH_DATABASE_URL, BENCH_MEMBERSHIP_DATABASE, BENCH_PROFILES, BENCH_STRICT=1 to exit
non-zero when the scaled figure misses the target.
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
DATABASE = os.environ.get("BENCH_MEMBERSHIP_DATABASE", "tailor_bench_membership")
PROFILES = int(os.environ.get("BENCH_PROFILES", "100000"))
TARGET_PROFILES, TARGET_SECONDS = 1_000_000, 60.0

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
        SHARED_STATE_DIR=str(ROOT / "var" / "bench" / "membership-shared"),
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "ELASTICSEARCH_URL"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    say(f"migrating {DATABASE} (a no-op once it is)")
    call_command("migrate", "--noinput", verbosity=0)


INSERT_PROFILES = """
INSERT INTO {profile} (visitor_id, first_seen, last_seen, visit_count, pages_visited, content_types_visited,
                       events, traits, consent, updated_at)
SELECT 'bench-' || i, now() - interval '90 days', now() - (random() * interval '30 days'),
       floor(power(random(), 2) * 40)::int,
       CASE WHEN random() < 0.3 THEN '["/pricing/", "/blog/spring/"]'::jsonb ELSE '["/"]'::jsonb END,
       '["cms.articlepage"]'::jsonb,
       CASE WHEN random() < 0.2
            THEN jsonb_build_array(jsonb_build_object('name', 'conversion', 'at', now() - random() * interval '20 days',
                                                      'target', 'hero'))
            ELSE '[]'::jsonb END,
       jsonb_build_object(
           'plan', (ARRAY['gold', 'silver', 'free', 'free'])[1 + floor(random() * 4)::int],
           'spend', round((random() * 5000)::numeric, 2),
           'city', (ARRAY['Oslo', 'Paris', 'Lyon', 'Berlin', 'Madrid'])[1 + floor(random() * 5)::int]),
       CASE WHEN random() < 0.6 THEN '["behaviour", "crm"]'::jsonb
            WHEN random() < 0.5 THEN '["crm"]'::jsonb ELSE '[]'::jsonb END,
       now()
FROM generate_series(1, %(profiles)s) AS i
"""

TRAITS = {"plan": ("choice", ["gold", "silver", "free"]), "spend": ("number", []), "city": ("string", [])}
SEGMENTS = {
    "gold": {"attribute": "trait.plan", "operator": "equals", "value": "gold"},
    "big-spenders": {"attribute": "trait.spend", "operator": "gt", "value": 3000},
    "france": {"attribute": "trait.city", "operator": "in", "value": ["Paris", "Lyon"]},
    "regulars": {"attribute": "visit_count", "operator": "gt", "value": 10},
    "pricing-readers": {"all": [{"attribute": "pages_visited", "operator": "contains", "value": "/pricing/"},
                                {"attribute": "trait.plan", "operator": "equals", "value": "free"}]},
    "converted": {"attribute": "events", "operator": "done_within_days", "value": {"event": "conversion", "days": 14}},
}


def seed() -> None:
    from django.db import connection, transaction

    from personalization.events.models import RollupWatermark
    from personalization.models import Segment, SegmentMembership, TraitDefinition, VisitorProfile
    from personalization.ruleset_cache import forget_compiled_rules, ruleset_changed

    say(f"emptying profiles and memberships, inserting {PROFILES:,} profiles (generate_series)")
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {SegmentMembership._meta.db_table}, {VisitorProfile._meta.db_table} CASCADE")
        RollupWatermark.objects.filter(name="segment-membership").delete()
        cursor.execute("SELECT setseed(0.16)")
        cursor.execute(INSERT_PROFILES.format(profile=VisitorProfile._meta.db_table), {"profiles": PROFILES})
        cursor.execute(f"ANALYZE {VisitorProfile._meta.db_table}")
    say(f"inserted in {time.monotonic() - started:.1f}s")
    for name, (kind, choices) in TRAITS.items():
        TraitDefinition.objects.update_or_create(name=name, defaults={"type": kind, "choices": choices})
    for priority, (key, definition) in enumerate(SEGMENTS.items(), start=1):
        segment = Segment.objects.filter(key=key).first() or Segment(key=key, name=key)
        segment.definition, segment.priority = definition, priority * 10
        segment.full_clean()
        segment.save()
        segment.save_revision().publish()
    ruleset_changed()
    forget_compiled_rules()


def timed(label: str, run) -> tuple[float, object]:
    started = time.monotonic()
    result = run()
    seconds = time.monotonic() - started
    say(f"{label}: {seconds:.2f}s {result if isinstance(result, dict) else ''}")
    return seconds, result


def read_every_profile() -> int:
    from personalization.customers.membership import FIELDS
    from personalization.models import VisitorProfile

    rows = VisitorProfile.objects.filter(merged_into__isnull=True).order_by("pk")
    count, last = 0, 0
    while chunk := list(rows.filter(pk__gt=last).values_list(*FIELDS)[:5000]):
        count, last = count + len(chunk), chunk[-1][0]
    return count


def main() -> int:
    setup_django()
    from datetime import datetime, timedelta, timezone

    from django.db import connection
    from tqdm import tqdm

    from personalization.customers.membership import membership_diff
    from personalization.models import SegmentMembership, VisitorProfile
    from personalization.ruleset_cache import current_rules

    seed()
    say(f"live segments: {', '.join(current_rules().ruleset.keys)}")
    read_seconds, _ = timed("baseline: read every profile's columns (no evaluation)", read_every_profile)
    with tqdm(total=PROFILES, unit="profile", desc="full diff", mininterval=2) as bar:
        first_seconds, first = timed("full diff, nobody a member yet", lambda: membership_diff(notify=False, progress=bar.update))
    again_seconds, again = timed("full diff again, nothing changed", lambda: membership_diff(notify=False))
    changed = PROFILES // 100
    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    VisitorProfile.objects.update(updated_at=long_ago)  # as if the last run were an hour ago
    with connection.cursor() as cursor:  # an import touching 1 %: plans flipped
        cursor.execute(
            f"UPDATE {VisitorProfile._meta.db_table} SET traits = jsonb_set(traits, '{{plan}}', "
            "CASE WHEN traits->>'plan' = 'gold' THEN '\"free\"'::jsonb ELSE '\"gold\"'::jsonb END), updated_at = now() "
            "WHERE id IN (SELECT id FROM " + VisitorProfile._meta.db_table + " ORDER BY id LIMIT %s)", [changed])
    incremental_seconds, incremental = timed(f"incremental diff, {changed:,} profiles changed",
                                             lambda: membership_diff(full=False, notify=False))
    members = SegmentMembership.objects.filter(left_at__isnull=True).count()
    rate = PROFILES / first_seconds
    scaled = TARGET_PROFILES / rate
    ok = scaled <= TARGET_SECONDS and again["entered"] == again["left"] == 0
    print()
    print(f"profiles                      {PROFILES:>12,}   6 live segments, {members:,} current memberships")
    print(f"full diff (all enter)         {first_seconds:>11.2f}s   {rate:,.0f} profiles/s, {first['entered']:,} entered")
    print(f"  vs reading every profile    {read_seconds:>11.2f}s   × {first_seconds / read_seconds:.1f}")
    print(f"full diff again (no change)   {again_seconds:>11.2f}s   {PROFILES / again_seconds:,.0f} profiles/s, "
          f"{again['entered']} entered, {again['left']} left")
    print(f"incremental diff (1 % changed){incremental_seconds:>11.2f}s   {incremental['profiles']:,} profiles read, "
          f"{incremental['entered']:,} entered, {incremental['left']:,} left")
    print(f"scaled to {TARGET_PROFILES:,}           {scaled:>11.1f}s   target ≤ {TARGET_SECONDS:.0f}s (linear: chunks of 5,000)")
    print(f"load average (1, 5, 15 min)   {' '.join(f'{load:.1f}' for load in os.getloadavg())}   on {os.cpu_count()} cores")
    print(f"{'OK' if ok else 'TARGET MISSED'}")
    return 0 if ok or os.environ.get("BENCH_STRICT") != "1" else 1


if __name__ == "__main__":
    sys.exit(main())
