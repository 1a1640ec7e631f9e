"""Erasure (right to be forgotten): every eraser removes what it holds about a customer's ids.

Erasers are registered by kind (`@eraser("feedback")` in the module that owns the data,
imported at app start), so data added later (feedback, churn scores) plugs in without
changing this module. An erasure runs every eraser in one transaction, then suppresses the
ids (hashed) so that late events or CRM pushes cannot recreate them, and logs only a keyed
hash of the id asked for, the time and the counts.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.functions import Cast

from cms.models import OutboxJob
from personalization.customers.identity import holding_profile, profile_group
from personalization.customers.suppression import id_hash, suppress
from personalization.models import ErasureLog, Event, ProfileMerge, SegmentMembership, VisitorProfile
from personalization.profiles import _last_visit_key, _profile_key, _visit_key


@dataclass(frozen=True)
class Subject:
    """Whom an erasure is about: every visitor id of the customer and their profile rows."""

    visitor_ids: frozenset[str]
    profile_ids: frozenset[int]
    customer_id: str | None


Eraser = Callable[[Subject], dict[str, int]]
_erasers: dict[str, Eraser] = {}


def eraser(kind: str) -> Callable[[Eraser], Eraser]:
    """Register a function removing one kind of data about a Subject; it returns counts per kind."""

    def register(function: Eraser) -> Eraser:
        _erasers[kind] = function
        return function

    return register


def registered_erasers() -> list[str]:
    """The kinds of data an erasure removes, in the order they run."""
    return list(_erasers)


def erase(visitor_id: str) -> dict[str, int]:
    """Remove everything held about the visitor (and the customer's other ids); return counts per kind.

    An id nothing is held about is suppressed all the same (all counts zero): an erasure
    asked for before the first event still keeps the visitor out.
    """
    with transaction.atomic():
        holder = holding_profile(visitor_id)
        ids = {visitor_id, *(profile_group(holder) if holder else ())}
        profile_ids = set(VisitorProfile.objects.filter(visitor_id__in=ids).values_list("pk", flat=True))
        subject = Subject(frozenset(ids), frozenset(profile_ids), holder.customer_id if holder else None)
        removed: dict[str, int] = {}
        for function in _erasers.values():
            for kind, count in function(subject).items():
                removed[kind] = removed.get(kind, 0) + count
        suppress(ids)
        ErasureLog.objects.create(id_hash=id_hash(visitor_id), removed=removed)
        transaction.on_commit(lambda: _forget_cached(ids))
    return removed


def _forget_cached(visitor_ids) -> None:
    cache.delete_many([key(vid) for vid in visitor_ids for key in (_profile_key, _visit_key, _last_visit_key)])


@eraser("profile")
def _erase_profiles(subject: Subject) -> dict[str, int]:
    # Merge provenance and segment memberships go with the rows (on_delete=CASCADE), counted first.
    rows = VisitorProfile.objects.filter(pk__in=subject.profile_ids)
    holders = list(rows.filter(merged_into__isnull=True).values_list("traits", flat=True))
    counts = {
        "profiles": len(holders),
        "merged_ids": rows.filter(merged_into__isnull=False).count(),
        "traits": sum(len(traits) for traits in holders),
        "merge_records": ProfileMerge.objects.filter(profile__in=subject.profile_ids).count(),
        "segment_memberships": SegmentMembership.objects.filter(profile__in=subject.profile_ids).count(),
    }
    rows.filter(merged_into__isnull=False).delete()
    rows.delete()
    return counts


@eraser("events")
def _erase_events(subject: Subject) -> dict[str, int]:
    # Raw events of every partition; rollups hold counts only, never a visitor id.
    deleted, _ = Event.objects.filter(visitor_id__in=subject.visitor_ids).delete()
    return {"events": deleted}


@eraser("jobs")
def _erase_from_jobs(subject: Subject) -> dict[str, int]:
    """Take the ids out of background jobs, queued or done: a queued one still runs for everybody else."""
    scrubbed = 0
    for job in _jobs_mentioning(subject.visitor_ids):
        job.args = _scrub(job.args, subject.visitor_ids)
        job.kwargs = _scrub(job.kwargs, subject.visitor_ids)
        if any(visitor_id in job.last_error for visitor_id in subject.visitor_ids):
            job.last_error = ""
        job.save(update_fields=["args", "kwargs", "last_error"])
        scrubbed += 1
    return {"jobs": scrubbed}


def _jobs_mentioning(visitor_ids) -> list[OutboxJob]:
    query = models.Q()
    for visitor_id in visitor_ids:
        text = json.dumps(visitor_id, ensure_ascii=False)[1:-1]  # as it appears in the stored JSON
        query |= models.Q(args_text__contains=text) | models.Q(kwargs_text__contains=text)
        query |= models.Q(last_error__contains=visitor_id)
    jobs = OutboxJob.objects.annotate(
        args_text=Cast("args", models.TextField()), kwargs_text=Cast("kwargs", models.TextField())
    )
    return list(jobs.filter(query).select_for_update(of=("self",)))


def _scrub(value, ids):
    """`value` without the ids: keys that are an id, list items that are or directly hold one, values equal to one."""
    if isinstance(value, dict):
        return {key: _scrub(item, ids) for key, item in value.items() if key not in ids and not _is_id(item, ids)}
    if isinstance(value, list):
        return [
            _scrub(item, ids) for item in value
            if not _is_id(item, ids) and not (isinstance(item, dict) and any(_is_id(v, ids) for v in item.values()))
        ]
    return value


def _is_id(value, ids) -> bool:
    return isinstance(value, str) and value in ids
