"""Stored visitor profiles as the engine needs them: cached reads, batched writes, consent first.

A read request never writes to the database: a new visit is noted in the cache
(one `add` per visitor per visit window) and buffered per process; the buffer is
handed to a Celery task (through the outbox) at most every few seconds.
"""

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime

from personalization.engine import Event
from personalization.models import VisitorProfile

PROFILE_CACHE_SECONDS = 300
VISIT_WINDOW_SECONDS = 30 * 60  # a visit ends after half an hour without a request
FLUSH_EVERY_SECONDS = 5.0
MAX_STORED_EVENTS = 200


@dataclass(frozen=True, slots=True)
class StoredProfile:
    """The stored half of a visitor context, already gated by consent."""

    first_seen: datetime | None = None
    visit_count: int = 0
    pages_visited: frozenset[str] = frozenset()
    content_types_visited: frozenset[str] = frozenset()
    events: tuple[Event, ...] = ()
    traits: dict | None = None
    consent: frozenset[str] = frozenset()
    in_visit: bool = False

    @classmethod
    def empty(cls) -> "StoredProfile":
        return cls(traits={})


def _from_row(row: VisitorProfile) -> StoredProfile:
    return StoredProfile(
        first_seen=row.first_seen,
        visit_count=row.visit_count,
        pages_visited=frozenset(row.pages_visited),
        content_types_visited=frozenset(row.content_types_visited),
        events=tuple(event for event in map(_event, row.events[-MAX_STORED_EVENTS:]) if event),
        traits=dict(row.traits),
        consent=frozenset(row.consent),
    )


def stored_profile(row: VisitorProfile) -> StoredProfile:
    """A profile row as the engine needs it, read straight from the row (no cache)."""
    return _from_row(row)


def _event(item: dict) -> Event | None:
    at = parse_datetime(str(item.get("at", "")))
    if at is None or not item.get("name"):
        return None
    return Event(name=str(item["name"]), at=at if at.tzinfo else at.replace(tzinfo=timezone.utc), target=item.get("target"))


def _visitor_key(prefix: str, visitor_id: str) -> str:
    # Hashed: visitor ids come from clients and may hold characters no cache key may (memcached).
    return f"{prefix}:" + hashlib.blake2b(visitor_id.encode(), digest_size=16).hexdigest()


def _profile_key(visitor_id: str) -> str:
    return _visitor_key("profile", visitor_id)


def profile_load(visitor_id: str | None) -> StoredProfile | None:
    """The visitor's stored profile (cached), or None for an unknown or absent visitor."""
    if not visitor_id:
        return None
    key = _profile_key(visitor_id)
    profile = cache.get(key)
    if profile is None:
        row = VisitorProfile.objects.filter(visitor_id=visitor_id).first()
        profile = _from_row(row) if row else StoredProfile.empty()
        cache.set(key, profile, PROFILE_CACHE_SECONDS)
    in_visit = cache.get(_visitor_key("visit", visitor_id)) is not None
    return profile if not in_visit else _with(profile, in_visit=True)


def profile_forget_cached(visitor_id: str) -> None:
    cache.delete(_profile_key(visitor_id))


def _with(profile: StoredProfile, **changes) -> StoredProfile:
    values = {name: getattr(profile, name) for name in StoredProfile.__slots__}
    values.update(changes)
    return StoredProfile(**values)


class _VisitBuffer:
    """New visits seen by this process, flushed in batches."""

    def __init__(self) -> None:
        self.visits: dict[str, int] = {}
        self.flushed_at = time.monotonic()
        self.lock = threading.Lock()

    def add(self, visitor_id: str) -> dict[str, int] | None:
        """Note a visit; return the batch to flush when it is time."""
        with self.lock:
            self.visits[visitor_id] = self.visits.get(visitor_id, 0) + 1
            if time.monotonic() - self.flushed_at < FLUSH_EVERY_SECONDS:
                return None
            batch, self.visits, self.flushed_at = self.visits, {}, time.monotonic()
            return batch

    def drain(self) -> dict[str, int]:
        with self.lock:
            batch, self.visits = self.visits, {}
            return batch


_buffer = _VisitBuffer()


def visit_note(visitor_id: str | None, profile: StoredProfile | None, *, consent: frozenset[str]) -> None:
    """Count a new visit (once per visit window), only for visitors who consented to behaviour data."""
    if not visitor_id or profile is None or "behaviour" not in consent or profile.in_visit:
        return
    if not cache.add(_visitor_key("visit", visitor_id), 1, VISIT_WINDOW_SECONDS):
        return
    batch = _buffer.add(visitor_id)
    if batch:
        visits_flush(batch)


def visits_flush(batch: dict[str, int] | None = None) -> None:
    """Hand a batch of visits to the background (through the outbox)."""
    from cms.outbox import outbox_enqueue

    batch = batch if batch is not None else _buffer.drain()
    if batch:
        with transaction.atomic():
            outbox_enqueue("personalization.profiles.visits_apply", kwargs={"visits": batch, "at": _now_iso()})


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def visits_apply(*, visits: dict[str, int], at: str) -> None:
    """Apply counted visits to stored profiles, creating those of new visitors (runs in a worker).

    Visits are only counted with consent (see ``visit_note``), so a newcomer's first
    counted visit is what starts their profile; without it nobody would ever be "returning".
    """
    seen = parse_datetime(at)
    _profiles_create(visits, seen)
    for visitor_id, count in visits.items():
        updated = VisitorProfile.objects.filter(visitor_id=visitor_id).update(
            visit_count=F("visit_count") + count, last_seen=seen
        )
        if updated:
            profile_forget_cached(visitor_id)


def _profiles_create(visits: dict[str, int], seen: datetime) -> None:
    """Empty profiles (no visit yet, no consent stored) for visitors who have none.

    Created at zero and then counted like everyone else, so a profile created
    concurrently elsewhere loses no visit. Ids longer than the column are client
    input that cannot be stored: those visitors stay anonymous.
    """
    longest = VisitorProfile._meta.get_field("visitor_id").max_length
    VisitorProfile.objects.bulk_create(
        [
            VisitorProfile(visitor_id=visitor_id, first_seen=seen, last_seen=seen)
            for visitor_id in visits
            if len(visitor_id) <= longest
        ],
        ignore_conflicts=True,
    )


def profile_upsert(*, visitor_id: str, consent: list[str] | None = None, traits: dict | None = None, now: datetime | None = None) -> VisitorProfile:
    """Create or update a profile (services for the events/CRM/consent APIs and seeding)."""
    now = now or datetime.now(timezone.utc)
    profile, _ = VisitorProfile.objects.get_or_create(visitor_id=visitor_id, defaults={"first_seen": now, "last_seen": now})
    if consent is not None:
        profile.consent = sorted(set(consent))
    if traits is not None:
        profile.traits = {**profile.traits, **traits}
    profile.save()
    transaction.on_commit(lambda: profile_forget_cached(visitor_id))
    return profile


__all__ = [
    "StoredProfile",
    "profile_load",
    "profile_upsert",
    "stored_profile",
    "visit_note",
    "visits_apply",
    "visits_flush",
]
