"""Retention per trait and data category: values set longer ago than their trait's period
(else their category's, TRAIT_RETENTION_DAYS) are removed.

Run by the periodic `personalization.traits_retention` task (beat or the embedded
scheduler, daily). A value's age counts from its provenance time ("at"); a value with no
recorded time is treated as expired (it cannot be shown to be young enough to keep).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.db.models.fields.json import KT

from personalization.models import TraitDefinition, VisitorProfile
from personalization.traitsync.store import traits_remove

BATCH = 2000


def retention_days(trait: TraitDefinition) -> int | None:
    """The trait's own period, else its data category's (TRAIT_RETENTION_DAYS), else None: kept."""
    if trait.retention_days is not None:
        return trait.retention_days
    return settings.TRAIT_RETENTION_DAYS.get(trait.category)


def traits_purge(*, now: datetime | None = None) -> dict:
    """Remove expired trait values; returns {trait name: values removed}."""
    now = now or datetime.now(timezone.utc)
    removed: dict[str, int] = {}
    for trait in TraitDefinition.objects.order_by("name"):
        days = retention_days(trait)
        if days is None:
            continue
        cutoff = (now - timedelta(days=days)).isoformat(timespec="seconds")
        expired = (
            VisitorProfile.objects.filter(traits__has_key=trait.name)
            .alias(set_at=Cast(KT(f"trait_sources__{trait.name}__at"), CharField()))  # text: compared as text on any database
            .filter(Q(set_at__lt=cutoff) | Q(set_at__isnull=True))
            .values_list("visitor_id", flat=True)
            .order_by("visitor_id")
        )
        count = 0
        while batch := list(expired[:BATCH]):
            count += traits_remove({trait.name: batch})
        removed[trait.name] = count
    return removed
