"""Benchmark of churn scoring: every profile scored, its `churn_risk` trait and ChurnScore written.

Run: .venv/bin/python tests/benchmarks/bench_churn.py        (or `make bench`)

Goal (issue #17): 100,000 profiles scored in ≤ 30 s on PostgreSQL.

What it does:
1. a PostgreSQL database of its own (BENCH_CHURN_DATABASE, default `tailor_bench_churn`, on the
   server of BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/), migrated;
2. BENCH_PROFILES (100,000) profiles made from the generated telecom CRM export (15 traits each);
   half consent to behaviour and carry 24 events over six months, so behaviour features count;
3. a model trained on the first 7,043 of them (`churned` labels), as `churn_model train` does;
4. `scores_refresh` (what the periodic task runs) twice: every score new, then again with the
   risks unchanged (ChurnScore rows rewritten, profiles untouched);
5. the baseline, in the same run: reading the same profiles as histories, and nothing else.

Environment: BENCH_DATABASE_URL, BENCH_CHURN_DATABASE, BENCH_PROFILES, BENCH_STRICT=1 to exit
non-zero when the goal is missed.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/").rstrip("/")
DATABASE = os.environ.get("BENCH_CHURN_DATABASE", "tailor_bench_churn")
PROFILES = int(os.environ.get("BENCH_PROFILES", "100000"))
TRAINING = 7043
GOAL_SECONDS = 30.0

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


def profiles_make(count: int) -> None:
    """`count` profiles from the generated export, typed as import_traits would store them."""
    from personalization.insight.churn.synthetic import CONTRACTS, INTERNET, PAYMENTS, customers
    from personalization.models import ChurnModel, ChurnScore, TraitDefinition, VisitorProfile

    ChurnScore.objects.all().delete()
    ChurnModel.objects.all().delete()
    if VisitorProfile.objects.count() == count and not VisitorProfile.objects.exclude(visitor_id__startswith="cust-").exists():
        from django.db import connection

        say("reusing the profiles of the last run (their scores removed)")
        with connection.cursor() as cursor:
            cursor.execute("UPDATE personalization_visitorprofile SET traits = traits - 'churn_risk', trait_sources = trait_sources - 'churn_risk'")
        return
    VisitorProfile.objects.all().delete()
    choices = {"contract": CONTRACTS, "internet_service": INTERNET, "payment_method": PAYMENTS}
    for name in ("tenure_months", "monthly_charges", "total_charges", "support_calls"):
        TraitDefinition.objects.update_or_create(name=name, defaults={"type": "number", "computed": False})
    for name in ("senior_citizen", "partner", "dependents", "tech_support", "paperless_billing", "churned"):
        TraitDefinition.objects.update_or_create(name=name, defaults={"type": "boolean", "computed": False})
    for name, options in choices.items():
        TraitDefinition.objects.update_or_create(name=name, defaults={"type": "choice", "choices": [o[0] for o in options], "computed": False})
    now = datetime.now(timezone.utc)
    batch = []
    for n, row in enumerate(customers(count, seed=11)):
        traits = {
            key: (value == "yes") if value in ("yes", "no") else value
            for key, value in row.items() if key not in ("customer_id", "_probability", "gender", "phone_service")
        }
        behaviour = n % 2 == 0
        # leavers came less often, and not lately
        gap, last = (3, 1 + n % 5) if row["churned"] == "no" else (6, 10 + n % 30)
        events = [{"name": "page_view", "at": (now - timedelta(days=last + k * gap)).isoformat(), "target": ""} for k in range(24)] if behaviour else []
        batch.append(VisitorProfile(
            visitor_id=row["customer_id"], traits=traits, events=events, visit_count=24 if behaviour else 0,
            first_seen=now - timedelta(days=200) if behaviour else None, last_seen=now - timedelta(days=last) if behaviour else None,
            consent=["behaviour", "crm"] if behaviour else ["crm"],
        ))
        if len(batch) == 5000:
            VisitorProfile.objects.bulk_create(batch)
            batch = []
    VisitorProfile.objects.bulk_create(batch)


def main() -> int:
    setup_django()
    from personalization.churnrisk.histories import history_of, profile_rows
    from personalization.churnrisk.scoring import scores_refresh
    from personalization.churnrisk.training import labelled_by_trait, train_and_store
    from personalization.models import VisitorProfile

    say(f"making {PROFILES:,} profiles")
    profiles_make(PROFILES)
    labelled = labelled_by_trait("churned")
    labelled.histories, labelled.labels = labelled.histories[:TRAINING], labelled.labels[:TRAINING]
    model = train_and_store(labelled)
    say(f"model v{model.version} trained on {model.customers:,}: {len(model.features)} inputs, ROC AUC {model.auc:.3f} (baseline {model.baseline_auc:.3f})")

    started = time.monotonic()
    read = sum(1 for _ in map(history_of, profile_rows()))
    baseline = time.monotonic() - started
    say(f"baseline, reading {read:,} profiles as histories: {baseline:.1f} s")

    timings = []
    for label in ("every score new", "again, risks unchanged"):
        started = time.monotonic()
        run = scores_refresh()
        seconds = time.monotonic() - started
        timings.append(seconds)
        say(f"{label}: {run.scored:,} scored, {run.changed:,} profiles changed, {run.high:,} high risk in {seconds:.1f} s "
            f"= {run.scored / seconds:,.0f} profiles/s ({seconds / baseline:.1f}× the read)")
    with_risk = VisitorProfile.objects.filter(traits__has_key="churn_risk").count()
    ok = max(timings) <= GOAL_SECONDS * PROFILES / 100_000 and with_risk == PROFILES
    say(f"goal {PROFILES:,} profiles ≤ {GOAL_SECONDS * PROFILES / 100_000:.0f} s: {'met' if ok else 'MISSED'}; "
        f"{with_risk:,} profiles carry churn_risk")
    return 0 if ok or os.environ.get("BENCH_STRICT") != "1" else 1


if __name__ == "__main__":
    sys.exit(main())
