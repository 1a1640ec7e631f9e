"""Scoring every customer with the newest model: the computed trait `churn_risk` and a ChurnScore row.

Runs periodically (personalization.churn_score). Written in bulk: a chunk of profiles is
read, scored as one matrix, and written with one statement per table. Fails closed: with
no usable model, or for a customer the model knows nothing about, no score is kept, so
rules on `churn_risk` do not match on a stale or invented value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from personalization.churnrisk.histories import CHUNK, RISK_TRAIT, history_of, profile_rows
from personalization.churnrisk.training import current_scorer
from personalization.insight.churn import ChurnScorer, feature_matrix
from personalization.insight.churn.model import probabilities
from personalization.models import ChurnScore, TraitDefinition, VisitorProfile
from personalization.traitsync.store import _forget_cached_after_commit, now_iso, traits_remove

SOURCE = "computed"
RISK_DECIMALS = 3


@dataclass
class ScoreRun:
    """What a scoring run did."""

    model_version: int | None = None
    scored: int = 0
    changed: int = 0
    high: int = 0
    removed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def high_risk() -> float:
    """From this risk on a customer counts as high risk (the demo's "at risk" segment uses the same)."""
    return float(getattr(settings, "CHURN_HIGH_RISK", 0.7))


def risk_trait_ensure() -> None:
    """`churn_risk` in the catalogue as a computed CRM number, so rules offer it and imports refuse it."""
    TraitDefinition.objects.update_or_create(
        name=RISK_TRAIT,
        defaults={"type": "number", "category": "crm", "computed": True,
                  "description": "Churn risk from 0 (loyal) to 1 (about to leave), computed by the hub's churn model."},
    )


def scores_refresh(*, progress: Callable[[int], None] | None = None, chunk: int = CHUNK) -> ScoreRun:
    """Score every profile the model has inputs for; remove scores nobody refreshed (fail closed)."""
    started = timezone.now()
    current = current_scorer()
    run = ScoreRun()
    if current is not None:
        model, scorer = current
        run.model_version = model.version
        risk_trait_ensure()
        with _Writer() as writer:
            rows: list[tuple] = []
            # the stored high_since comes with the profile (one join, not a query per chunk)
            for row in profile_rows(chunk=chunk, extra=("churn_score__high_since",)):
                rows.append(row)
                if len(rows) >= chunk:
                    _score_chunk(rows, scorer, model.version, started, run, writer)
                    if progress:
                        progress(len(rows))
                    rows = []
            if rows:
                _score_chunk(rows, scorer, model.version, started, run, writer)
                if progress:
                    progress(len(rows))
    run.removed = _stale_remove(started)
    return run


class _Writer:
    """Writes each chunk's scores while the next chunk is scored: on PostgreSQL, outside a
    transaction, a thread with its own connection waits on the database while Python computes
    (the database works on another core). Inside a transaction (tests, a caller's atomic block)
    or elsewhere, it writes inline, so what it writes is seen by the caller's transaction."""

    def __init__(self) -> None:
        self.threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="churn-writer") if self.threaded else None
        self.pending: Future | None = None

    def __enter__(self) -> "_Writer":
        return self

    def submit(self, write: Callable[[], int], done: Callable[[int], None]) -> None:
        if self.pool is None:
            done(write())
            return
        self.wait()  # one chunk in flight at most: memory stays bounded
        self.pending = self.pool.submit(write)
        self.pending.add_done_callback(lambda future: future.exception() is None and done(future.result()))

    def wait(self) -> None:
        if self.pending is not None:
            self.pending.result()  # a failed write fails the run
            self.pending = None

    def __exit__(self, *exc) -> None:
        try:
            self.wait()
        finally:
            if self.pool is not None:
                self.pool.submit(lambda: connection.close()).result()  # the thread's own connection (looked up there)
                self.pool.shutdown()


def _score_chunk(rows: list[tuple], scorer: ChurnScorer, version: int, now: datetime, run: ScoreRun, writer: _Writer) -> None:
    histories = [history_of(row) for row in rows]
    matrix = feature_matrix(histories, scorer.spec, now)
    known = ~np.isnan(matrix).all(axis=1) if matrix.shape[1] else np.zeros(len(rows), dtype=bool)
    if not known.any():
        return
    contributions = scorer.contributions(matrix)
    risks = probabilities(contributions.sum(axis=1) + scorer.intercept)
    threshold = high_risk()
    scores: list[tuple[int, float, list, datetime | None]] = []
    risk_values = []
    indexes = np.flatnonzero(known)
    explained = scorer.reasons_many([histories[index] for index in indexes], contributions[indexes], now)
    for index, reasons in zip(indexes, explained):
        row, risk = rows[index], round(float(risks[index]), RISK_DECIMALS)
        reasons = [reason.as_json() for reason in reasons]
        high_since = (row[7] or now) if risk >= threshold else None
        scores.append((row[0], risk, reasons, high_since))
        risk_values.append((row[0], row[1], risk, (row[5] or {}).get(RISK_TRAIT)))
        run.high += risk >= threshold
    def write() -> int:
        with transaction.atomic():
            _scores_write(scores, version, now)
            return _risk_write(risk_values)

    def done(changed: int) -> None:
        run.changed += changed

    writer.submit(write, done)
    run.scored += len(scores)


_SCORES_SQL = """
INSERT INTO personalization_churnscore AS s (profile_id, risk, reasons, model_version, scored_at, high_since)
SELECT t.profile_id, t.risk, t.reasons, %(version)s, %(now)s, t.high_since
FROM jsonb_to_recordset(%(rows)s::jsonb) AS t(profile_id bigint, risk float8, reasons jsonb, high_since timestamptz)
ON CONFLICT (profile_id) DO UPDATE SET
    risk = excluded.risk, reasons = excluded.reasons, model_version = excluded.model_version,
    scored_at = excluded.scored_at, high_since = excluded.high_since
"""


def _scores_write(scores: list[tuple[int, float, list, datetime | None]], version: int, now: datetime) -> None:
    """Upsert the chunk's ChurnScore rows: on PostgreSQL one statement from one JSON document
    (no model instances: they cost more than the scoring), elsewhere a bulk upsert."""
    if connection.vendor == "postgresql":
        rows = [
            {"profile_id": pk, "risk": risk, "reasons": reasons, "high_since": high_since.isoformat() if high_since else None}
            for pk, risk, reasons, high_since in scores
        ]
        with connection.cursor() as cursor:
            cursor.execute(_SCORES_SQL, {"version": version, "now": now, "rows": json.dumps(rows)})
        return
    ChurnScore.objects.bulk_create(
        [ChurnScore(profile_id=pk, risk=risk, reasons=reasons, model_version=version, scored_at=now, high_since=high_since)
         for pk, risk, reasons, high_since in scores],
        update_conflicts=True, unique_fields=["profile"],
        update_fields=["risk", "reasons", "model_version", "scored_at", "high_since"],
    )


# One statement per chunk; only values that differ are written (and stamped), so an
# unchanged risk keeps its provenance time and its row is not rewritten.
_RISK_SQL = """
UPDATE personalization_visitorprofile AS p SET
    traits = p.traits || jsonb_build_object(%(name)s::text, t.risk),
    trait_sources = p.trait_sources || jsonb_build_object(%(name)s::text, %(stamp)s::jsonb),
    updated_at = %(now)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS t(id bigint, risk float8)
WHERE p.id = t.id AND p.traits -> %(name)s IS DISTINCT FROM to_jsonb(t.risk)
RETURNING p.visitor_id
"""


def _risk_write(values: list[tuple[int, str, float, object]]) -> int:
    """Set `churn_risk` on profiles [(pk, visitor id, risk, current value)]; never creates a profile
    (one erased meanwhile stays erased). Returns how many changed."""
    changed = [(pk, visitor_id, risk) for pk, visitor_id, risk, current in values if current != risk or isinstance(current, bool)]
    if not changed:
        return 0
    stamp = {"at": now_iso(), "source": SOURCE}
    if connection.vendor == "postgresql":
        params = {
            "name": RISK_TRAIT, "stamp": json.dumps(stamp), "now": timezone.now(),
            "rows": json.dumps([{"id": pk, "risk": risk} for pk, _, risk in changed]),
        }
        with connection.cursor() as cursor:
            cursor.execute(_RISK_SQL, params)
            visitor_ids = [row[0] for row in cursor.fetchall()]
    else:
        risks = {pk: risk for pk, _, risk in changed}
        profiles = list(VisitorProfile.objects.filter(pk__in=list(risks)).only("pk", "visitor_id", "traits", "trait_sources"))
        for profile in profiles:
            profile.traits = {**profile.traits, RISK_TRAIT: risks[profile.pk]}
            profile.trait_sources = {**profile.trait_sources, RISK_TRAIT: stamp}
            profile.updated_at = timezone.now()
        VisitorProfile.objects.bulk_update(profiles, ["traits", "trait_sources", "updated_at"], batch_size=1000)
        visitor_ids = [profile.visitor_id for profile in profiles]
    _forget_cached_after_commit(visitor_ids)
    return len(visitor_ids)


def _stale_remove(started: datetime) -> int:
    """Scores this run did not refresh (no model, no inputs any more) go, and so does every
    `churn_risk` value without a score behind it (written before the hub computed it)."""
    with transaction.atomic():
        ChurnScore.objects.filter(scored_at__lt=started).delete()
        unbacked = VisitorProfile.objects.filter(traits__has_key=RISK_TRAIT, churn_score__isnull=True)
        visitor_ids = list(unbacked.values_list("visitor_id", flat=True))
        return traits_remove({RISK_TRAIT: visitor_ids}) if visitor_ids else 0
