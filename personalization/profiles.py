"""Stored visitor profiles as the engine needs them: cached reads, batched writes, consent first.

A read request never writes to the database: a new visit is noted in the cache
(one `add` per visitor per visit window) and buffered per process; the buffer is
handed to a Celery task (through the outbox) at most every few seconds.

So the stored count lags the visits a visitor has made, by a batch, a process's
buffer or a cached profile read before the batch landed. The cache therefore keeps
the number of the visitor's current visit and of their last one, shared by every
process, and a loaded profile counts at least those: the visit count a visitor is
shown never goes down, within a visit or across visits and processes.
"""

import atexit
import hashlib
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime

from personalization.customers.suppression import suppressed
from personalization.engine import Event
from personalization.models import VisitorProfile

logger = logging.getLogger(__name__)

PROFILE_CACHE_SECONDS = 300
VISIT_WINDOW_SECONDS = settings.VISIT_WINDOW_SECONDS
FLUSH_EVERY_SECONDS = settings.VISIT_FLUSH_SECONDS
# The last visit's number outlives its window by far more than a batch can take to land.
LAST_VISIT_SECONDS = 24 * 3600
MAX_STORED_EVENTS = 200
MAX_STORED_VIEWS = 500  # pages and content types kept per profile


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
    """The visitor's stored profile (cached), or None for an unknown or absent visitor.

    Its visit count is at least the number of the visit in progress (`in_visit`), or
    else of the last visit, whatever the stored row has caught up with yet.
    """
    if not visitor_id:
        return None
    key, visit_key, last_key = _profile_key(visitor_id), _visit_key(visitor_id), _last_visit_key(visitor_id)
    found = cache.get_many([key, visit_key, last_key])  # one round trip
    profile = found.get(key)
    if profile is None:
        # One indexed lookup whatever the id: another id of a customer joins the merged profile.
        row = VisitorProfile.objects.select_related("merged_into").filter(visitor_id=visitor_id).first()
        row = row.merged_into if row is not None and row.merged_into_id else row
        profile = _from_row(row) if row else StoredProfile.empty()
        cache.set(key, profile, PROFILE_CACHE_SECONDS)
    current = found.get(visit_key)
    if current is not None:
        return _with(profile, visit_count=max(profile.visit_count, current), in_visit=True)
    last = found.get(last_key, 0)
    return _with(profile, visit_count=last) if last > profile.visit_count else profile


def _visit_key(visitor_id: str) -> str:
    """Present during a visit; holds the visit's number (the visitor's count including it)."""
    return _visitor_key("visit", visitor_id)


def _last_visit_key(visitor_id: str) -> str:
    return _visitor_key("last-visit", visitor_id)


def profile_forget_cached(visitor_id: str) -> None:
    cache.delete(_profile_key(visitor_id))


def profiles_forget_cached(visitor_ids: Iterable[str]) -> None:
    """Forget the cached profiles of these ids and of every other id merged with them."""
    visitor_ids = set(visitor_ids)
    if not visitor_ids:
        return
    holders = VisitorProfile.objects.filter(visitor_id__in=visitor_ids).values_list("merged_into_id", "pk")
    profile_ids = {merged_into or pk for merged_into, pk in holders}
    others = VisitorProfile.objects.filter(merged_into__in=profile_ids).values_list("visitor_id", flat=True)
    cache.delete_many([_profile_key(visitor_id) for visitor_id in visitor_ids | set(others)])


def canonical_ids(visitor_ids: Iterable[str]) -> dict[str, str]:
    """Each visitor id → the visitor id of the profile holding its data (itself unless merged)."""
    visitor_ids = set(visitor_ids)
    merged = dict(
        VisitorProfile.objects.filter(visitor_id__in=visitor_ids, merged_into__isnull=False)
        .values_list("visitor_id", "merged_into__visitor_id")
    )
    return {visitor_id: merged.get(visitor_id, visitor_id) for visitor_id in visitor_ids}


def _with(profile: StoredProfile, **changes) -> StoredProfile:
    values = {name: getattr(profile, name) for name in StoredProfile.__slots__}
    values.update(changes)
    return StoredProfile(**values)


@dataclass
class _Pending:
    """What one visitor did since the last flush: new visits, and pages and content types viewed."""

    visits: int = 0
    pages: set[str] = field(default_factory=set)
    content_types: set[str] = field(default_factory=set)


class _VisitBuffer:
    """Visits and page views seen by this process, flushed in batches."""

    def __init__(self) -> None:
        self.pending: dict[str, _Pending] = {}
        self.flushed_at = time.monotonic()
        self.lock = threading.Lock()

    def add(self, visitor_id: str, *, visits: int = 0, page: str | None = None, content_type: str | None = None) -> dict | None:
        """Note what a visitor did; return the batch to flush when it is time."""
        with self.lock:
            pending = self.pending.setdefault(visitor_id, _Pending())
            pending.visits += visits
            if page:
                pending.pages.add(page)
            if content_type:
                pending.content_types.add(content_type)
            if time.monotonic() - self.flushed_at < FLUSH_EVERY_SECONDS:
                return None
            self.flushed_at = time.monotonic()
            return self._take()

    def drain(self) -> dict:
        with self.lock:
            self.flushed_at = time.monotonic()
            return self._take()

    def _take(self) -> dict:
        """The pending batch as outbox job arguments (JSON), and an empty buffer."""
        pending, self.pending = self.pending, {}
        return {
            "visits": {vid: p.visits for vid, p in pending.items() if p.visits},
            "pages": {vid: sorted(p.pages) for vid, p in pending.items() if p.pages},
            "content_types": {vid: sorted(p.content_types) for vid, p in pending.items() if p.content_types},
        } if pending else {}


_buffer = _VisitBuffer()


def _behaviour_allowed(visitor_id: str | None, profile: StoredProfile | None, consent: frozenset[str]) -> bool:
    return bool(visitor_id) and profile is not None and "behaviour" in consent


def visit_note(visitor_id: str | None, profile: StoredProfile | None, *, consent: frozenset[str]) -> None:
    """Count a new visit (once per visit window), only for visitors who consented to behaviour data."""
    if not _behaviour_allowed(visitor_id, profile, consent) or profile.in_visit:
        return
    # The number this request was shown (see request_context.visitor_context): the visit's from now on.
    number = profile.visit_count + 1
    if not cache.add(_visit_key(visitor_id), number, VISIT_WINDOW_SECONDS):
        # Another request started this visit at the same time, perhaps from an older profile:
        # keep the higher number, so that neither request's visitors see the count go down.
        _raise_to(_visit_key(visitor_id), number, VISIT_WINDOW_SECONDS)
        return
    _raise_to(_last_visit_key(visitor_id), number, LAST_VISIT_SECONDS)
    _flush_if_due(_buffer.add(visitor_id, visits=1))


def _raise_to(key: str, number: int, timeout: int) -> None:
    """Set `key` to `number` unless it already holds as much (not atomic: concurrent starts are rare)."""
    if cache.get(key, 0) < number:
        cache.set(key, number, timeout)


def page_view_note(
    visitor_id: str | None, profile: StoredProfile | None, *, consent: frozenset[str], path: str, content_type: str
) -> None:
    """Remember a page (URL path) and its content type as visited, with consent.

    Only what the stored profile lacks is buffered, so a visitor reading known pages costs nothing.
    """
    if not _behaviour_allowed(visitor_id, profile, consent):
        return
    if path in profile.pages_visited and content_type in profile.content_types_visited:
        return
    _flush_if_due(_buffer.add(visitor_id, page=path, content_type=content_type))


def _flush_if_due(batch: dict | None) -> None:
    if batch:
        visits_flush(batch)


def visits_flush(batch: dict | None = None) -> None:
    """Hand a batch of visits and page views to the background (through the outbox)."""
    from cms.outbox import outbox_enqueue

    batch = batch if batch is not None else _buffer.drain()
    if any(batch.values()):
        with transaction.atomic():
            outbox_enqueue("personalization.profiles.visits_apply", kwargs={**batch, "at": _now_iso()})


def _flush_at_exit() -> None:
    """A process that stops hands over what it buffered (up to FLUSH_EVERY_SECONDS of visits)."""
    try:
        visits_flush()
    except Exception:  # the database may already be gone; nothing else can be done at exit
        logger.exception("could not hand over buffered visits at exit")


atexit.register(_flush_at_exit)


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def visits_apply(*, visits: dict[str, int], at: str, pages: dict | None = None, content_types: dict | None = None) -> None:
    """Apply counted visits and viewed pages to stored profiles, creating those of new visitors (runs in a worker).

    Visits are only counted with consent (see ``visit_note``), so a newcomer's first
    counted visit is what starts their profile; without it nobody would ever be "returning".
    """
    seen = parse_datetime(at)
    pages, content_types = pages or {}, content_types or {}
    # An erased id stays erased, even for visits buffered before its erasure.
    erased = suppressed(visits.keys() | pages.keys() | content_types.keys())
    visits = {vid: count for vid, count in visits.items() if vid not in erased}
    pages = {vid: items for vid, items in pages.items() if vid not in erased}
    content_types = {vid: items for vid, items in content_types.items() if vid not in erased}
    viewers = pages.keys() | content_types.keys()
    _profiles_create(visits.keys() | viewers, seen)
    # Another id of a known customer counts on the customer's profile.
    canonical = canonical_ids(visits.keys() | viewers)
    for visitor_id, count in visits.items():
        VisitorProfile.objects.filter(visitor_id=canonical[visitor_id]).update(
            visit_count=F("visit_count") + count, last_seen=seen
        )
    for visitor_id in viewers:
        _views_add(canonical[visitor_id], pages.get(visitor_id, ()), content_types.get(visitor_id, ()))
    profiles_forget_cached(visits.keys() | viewers)


def _views_add(visitor_id: str, pages, content_types) -> None:
    """Add viewed pages and content types to a profile, keeping the most recent MAX_STORED_VIEWS of each."""
    with transaction.atomic():
        row = VisitorProfile.objects.select_for_update().filter(visitor_id=visitor_id).first()
        if row is None:
            return  # an id too long to store: the visitor stays anonymous
        row.pages_visited = _appended(row.pages_visited, pages)
        row.content_types_visited = _appended(row.content_types_visited, content_types)
        row.save(update_fields=["pages_visited", "content_types_visited"])


def _appended(stored: list, new) -> list:
    """`stored` then `new`, each item once, capped to the MAX_STORED_VIEWS most recently recorded."""
    fresh = [item for item in new if item]
    # A re-viewed item moves to the end, so the cap drops the least recently recorded.
    combined = [item for item in stored if item not in fresh] + fresh
    return combined[-MAX_STORED_VIEWS:]


def _profiles_create(visitor_ids: Iterable[str], seen: datetime) -> None:
    """Empty profiles (no visit yet, no consent stored) for visitors who have none.

    Created at zero and then counted like everyone else, so a profile created
    concurrently elsewhere loses no visit. Ids longer than the column are client
    input that cannot be stored: those visitors stay anonymous.
    """
    longest = VisitorProfile._meta.get_field("visitor_id").max_length
    VisitorProfile.objects.bulk_create(
        [
            VisitorProfile(visitor_id=visitor_id, first_seen=seen, last_seen=seen)
            for visitor_id in sorted(visitor_ids)  # one order in every worker: concurrent inserts cannot deadlock
            if len(visitor_id) <= longest
        ],
        ignore_conflicts=True,
    )


def events_apply(*, events: dict[str, list[dict]]) -> None:
    """Append reported events ({name, at, target}) to their visitors' profiles (an outbox job).

    Enqueued by ingestion for visitors with behaviour consent only, once per stored event.
    A profile keeps the MAX_STORED_EVENTS latest by time (reports arrive out of order), and
    its cached copy is forgotten after commit, so `done_within_days` sees the event on the
    visitor's next request.
    """
    erased = suppressed(events.keys())  # queued before an erasure, or reported after it
    events = {visitor_id: items for visitor_id, items in events.items() if visitor_id not in erased}
    if not events:
        return
    _profiles_create(events.keys(), datetime.now(timezone.utc))
    by_profile: dict[str, list[dict]] = {}
    for visitor_id, canonical in canonical_ids(events.keys()).items():
        by_profile.setdefault(canonical, []).extend(events[visitor_id])
    # One locking read and one bulk write per batch; rows locked in one order in every worker.
    rows = list(VisitorProfile.objects.select_for_update().filter(visitor_id__in=by_profile).order_by("visitor_id"))
    for row in rows:  # an id too long to store has no row: that visitor stays anonymous
        combined = sorted([*row.events, *by_profile[row.visitor_id]], key=_event_time)
        row.events = combined[-MAX_STORED_EVENTS:]
    VisitorProfile.objects.bulk_update(rows, ["events"], batch_size=500)
    visitor_ids = set(events)
    transaction.on_commit(lambda: profiles_forget_cached(visitor_ids))


def _event_time(item: dict) -> datetime:
    event = _event(item)
    return event.at if event else datetime.min.replace(tzinfo=timezone.utc)


def profile_upsert(
    *, visitor_id: str, consent: list[str] | None = None, traits: dict | None = None, now: datetime | None = None,
    trait_source: str = "seed",
) -> VisitorProfile:
    """Create or update a profile (services for the events/CRM/consent APIs and seeding).

    Traits set here are stamped with `trait_source` and the time (their provenance, which
    retention counts from). Another id of a known customer writes to the customer's profile
    (consent to every id of it). An erased id raises ProfileSuppressed: only consent given
    again brings it back (personalization.customers.consent lifts the suppression first).
    """
    if suppressed([visitor_id]):
        raise ProfileSuppressed(visitor_id)
    now = now or datetime.now(timezone.utc)
    profile, _ = VisitorProfile.objects.get_or_create(visitor_id=visitor_id, defaults={"first_seen": now, "last_seen": now})
    if profile.merged_into_id:
        profile = VisitorProfile.objects.get(pk=profile.merged_into_id)
    if consent is not None:
        profile.consent = sorted(set(consent))
        # Ids of one customer share its consent: ingestion reads it from the id's own row.
        VisitorProfile.objects.filter(merged_into=profile).update(consent=profile.consent)
    if traits is not None:
        profile.traits = {**profile.traits, **traits}
        stamp = {"at": now.astimezone(timezone.utc).isoformat(timespec="seconds"), "source": trait_source}
        profile.trait_sources = {**profile.trait_sources, **{name: stamp for name in traits}}
    profile.save()
    transaction.on_commit(lambda: profiles_forget_cached([visitor_id]))
    return profile


class ProfileSuppressed(Exception):
    """The visitor id was erased: nothing may recreate its profile until it consents again."""


__all__ = [
    "ProfileSuppressed",
    "StoredProfile",
    "events_apply",
    "profile_load",
    "canonical_ids",
    "profile_upsert",
    "profiles_forget_cached",
    "stored_profile",
    "page_view_note",
    "visit_note",
    "visits_apply",
    "visits_flush",
]
