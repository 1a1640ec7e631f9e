"""Writing trait values to profiles with their provenance ({name: {"at", "source"}}).

Every write path (import, CRM API, the hub's computed traits) goes through here, so
each value carries where it came from and when it was set or last changed; retention
counts from that time. A value written again unchanged keeps its time: re-importing
the same file changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone as django_timezone

from personalization.customers.membership import membership_diff_soon
from personalization.customers.suppression import suppressed
from personalization.models import VisitorProfile
from personalization.profiles import ProfileSuppressed, _profile_key


def now_iso() -> str:
    """Provenance times: UTC, to the second, one format (so they compare as text, as SQL does)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class BatchResult:
    """Profiles whose traits a batch changed, and how many of them it created."""

    changed: int = 0
    created: int = 0
    changed_ids: list[str] = field(default_factory=list)
    suppressed: int = 0


def merged_by_visitor(rows: Iterable[tuple[str, Mapping[str, object]]]) -> dict[str, dict[str, object]]:
    """One entry per visitor id, later rows' values winning (a file may list a customer twice)."""
    merged: dict[str, dict[str, object]] = {}
    for visitor_id, values in rows:
        merged.setdefault(visitor_id, {}).update(values)
    return merged


def _forget_cached_after_commit(visitor_ids: list[str]) -> None:
    if visitor_ids:
        transaction.on_commit(lambda: cache.delete_many([_profile_key(visitor_id) for visitor_id in visitor_ids]))


def traits_merge_batch(rows: Iterable[tuple[str, Mapping[str, object]]], *, source: str, dry_run: bool = False) -> BatchResult:
    """Merge each visitor's values into their profile (created if unknown); what would change when `dry_run`.

    On PostgreSQL one statement writes the batch (`traits || excluded.traits`); elsewhere,
    and for a dry run, one read and one bulk write.
    """
    merged = _to_holders(merged_by_visitor(rows))
    # An erased id is not recreated by a CRM push until consent is given again.
    erased = suppressed(merged)
    for visitor_id in erased:
        del merged[visitor_id]
    if not merged:
        return BatchResult(suppressed=len(erased))
    if connection.vendor == "postgresql" and not dry_run:
        result = _merge_postgresql(merged, source)
    else:
        result = _merge_portable(merged, source, dry_run)
    if result.changed and not dry_run:
        transaction.on_commit(membership_diff_soon)
    result.suppressed = len(erased)
    return result


def _to_holders(merged: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """Values for another id of a known customer go to the customer's profile (one query a batch)."""
    holders = dict(
        VisitorProfile.objects.filter(visitor_id__in=list(merged), merged_into__isnull=False)
        .values_list("visitor_id", "merged_into__visitor_id")
    )
    if not holders:
        return merged
    result: dict[str, dict[str, object]] = {}
    for visitor_id, values in merged.items():
        result.setdefault(holders.get(visitor_id, visitor_id), {}).update(values)
    return result


# Updates only rows whose traits would change (`@>`: every incoming value already there), and
# stamps provenance only for the values that differ, so a re-run leaves rows untouched.
_MERGE_SQL = """
INSERT INTO personalization_visitorprofile AS p
    (visitor_id, visit_count, pages_visited, content_types_visited, events, traits, trait_sources, consent, updated_at)
SELECT t.visitor_id, 0, '[]', '[]', '[]', t.traits, t.sources, '[]', %(now)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS t(visitor_id text, traits jsonb, sources jsonb)
ON CONFLICT (visitor_id) DO UPDATE SET
    traits = p.traits || excluded.traits,
    trait_sources = p.trait_sources || COALESCE(
        (SELECT jsonb_object_agg(s.key, s.value) FROM jsonb_each(excluded.trait_sources) AS s
         WHERE p.traits -> s.key IS DISTINCT FROM excluded.traits -> s.key),
        '{}'::jsonb),
    updated_at = excluded.updated_at
WHERE NOT (p.traits @> excluded.traits)
RETURNING p.visitor_id, (xmax = 0) AS created
"""


def _merge_postgresql(merged: dict[str, dict], source: str) -> BatchResult:
    at = now_iso()
    stamp = {"at": at, "source": source}
    ids = sorted(merged)  # one lock order in every writer: concurrent batches cannot deadlock
    # One JSON document for the batch: psycopg quotes text arrays element by element, slowly.
    rows = [{"visitor_id": visitor_id, "traits": merged[visitor_id], "sources": {name: stamp for name in merged[visitor_id]}} for visitor_id in ids]
    params = {"now": datetime.now(timezone.utc), "rows": json.dumps(rows)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_MERGE_SQL, params)
        returned = cursor.fetchall()
        changed_ids = [row[0] for row in returned]
        _forget_cached_after_commit(changed_ids)
    return BatchResult(changed=len(returned), created=sum(1 for row in returned if row[1]), changed_ids=changed_ids)


def _merge_portable(merged: dict[str, dict], source: str, dry_run: bool) -> BatchResult:
    at = now_iso()
    with transaction.atomic():
        query = VisitorProfile.objects.filter(visitor_id__in=list(merged)).only("pk", "visitor_id", "traits", "trait_sources")
        existing = {row.visitor_id: row for row in (query if dry_run else query.select_for_update())}
        new, changed = [], []
        for visitor_id in sorted(merged):
            values = merged[visitor_id]
            row = existing.get(visitor_id)
            if row is None:
                sources = {name: {"at": at, "source": source} for name in values}
                new.append(VisitorProfile(visitor_id=visitor_id, traits=dict(values), trait_sources=sources))
                continue
            differing = {name: value for name, value in values.items() if name not in row.traits or row.traits[name] != value or type(row.traits[name]) is not type(value)}
            if differing:
                row.traits = {**row.traits, **differing}
                row.trait_sources = {**row.trait_sources, **{name: {"at": at, "source": source} for name in differing}}
                row.updated_at = django_timezone.now()
                changed.append(row)
        if not dry_run:
            VisitorProfile.objects.bulk_create(new)
            VisitorProfile.objects.bulk_update(changed, ["traits", "trait_sources", "updated_at"])
            _forget_cached_after_commit([row.visitor_id for row in changed])
    ids = [row.visitor_id for row in new] + [row.visitor_id for row in changed]
    return BatchResult(changed=len(new) + len(changed), created=len(new), changed_ids=ids)


def profile_traits_write(
    visitor_id: str, *, values: Mapping[str, object], remove: Iterable[str] = (), source: str
) -> tuple[VisitorProfile, list[str], list[str]]:
    """Set `values` and remove `remove` on one profile (created if unknown), recording provenance.

    Returns the profile and the names changed and removed (unchanged values keep their time).
    Another id of a known customer writes to the customer's profile; an erased id raises
    ProfileSuppressed.
    """
    if suppressed([visitor_id]):
        raise ProfileSuppressed(visitor_id)
    at = now_iso()
    visitor_id = next(iter(_to_holders({visitor_id: {}})))
    with transaction.atomic():
        profile = VisitorProfile.objects.select_for_update().filter(visitor_id=visitor_id).first()
        if profile is None:
            profile = VisitorProfile(visitor_id=visitor_id)
        traits, sources = dict(profile.traits), dict(profile.trait_sources)
        removed = sorted(name for name in set(remove) if name in traits)
        for name in removed:
            traits.pop(name, None)
            sources.pop(name, None)
        changed = sorted(name for name, value in values.items() if name not in traits or traits[name] != value or type(traits[name]) is not type(value))
        for name in changed:
            traits[name] = values[name]
            sources[name] = {"at": at, "source": source}
        if changed or removed or profile.pk is None:
            profile.traits, profile.trait_sources = traits, sources
            profile.save()
            _forget_cached_after_commit([visitor_id])
            transaction.on_commit(membership_diff_soon)
    return profile, changed, removed


def traits_remove(visitor_ids_by_trait: Mapping[str, list[str]]) -> int:
    """Remove traits from profiles ({trait name: visitor ids}); returns the values removed."""
    removed = 0
    by_visitor: dict[str, set[str]] = {}
    for name, visitor_ids in visitor_ids_by_trait.items():
        for visitor_id in visitor_ids:
            by_visitor.setdefault(visitor_id, set()).add(name)
    with transaction.atomic():
        rows = list(
            VisitorProfile.objects.select_for_update().filter(visitor_id__in=list(by_visitor))
            .order_by("visitor_id").only("pk", "visitor_id", "traits", "trait_sources")
        )
        for row in rows:
            names = by_visitor[row.visitor_id]
            removed += sum(1 for name in names if name in row.traits)
            row.traits = {key: value for key, value in row.traits.items() if key not in names}
            row.trait_sources = {key: value for key, value in row.trait_sources.items() if key not in names}
            row.updated_at = django_timezone.now()
        VisitorProfile.objects.bulk_update(rows, ["traits", "trait_sources", "updated_at"], batch_size=1000)
        _forget_cached_after_commit([row.visitor_id for row in rows])
    return removed
