"""Segment membership of stored profiles: who is in which segment now, entered and left when.

A diff job evaluates the live segments for stored profiles (their stored data only: no
request, no channel, so only segments that need neither can hold a customer), records each
entry and exit (SegmentMembership), and tells the CRM through signed, batched webhooks
(`segment.membership`, through the outbox). It runs after changes (`membership_diff_soon`:
imports, identify, consent) for the profiles changed since its last run, and in full
periodically, since time passing alone changes some memberships (`done_within_days`).
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.db import transaction

from cms.models import WebhookEvent
from cms.outbox import outbox_enqueue, outbox_handler
from cms.webhooks.services import webhook_event_record
from personalization.engine import Ruleset, VisitorContext
from personalization.events.models import RollupWatermark
from personalization.models import SegmentMembership, VisitorProfile
from personalization.profiles import MAX_STORED_EVENTS, _event, stored_profile
from personalization.ruleset_cache import current_rules

WATERMARK = "segment-membership"
DIFF_HANDLER = "personalization.customers.membership.membership_diff_job"
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
# A profile written while a run reads is seen by the next run too: the diff is idempotent.
OVERLAP = timedelta(minutes=1)
CHUNK = 5000
# Profile fields the evaluation reads (the rest stays in the database).
FIELDS = ("pk", "visitor_id", "customer_id", "first_seen", "visit_count", "pages_visited",
          "content_types_visited", "events", "traits", "consent")

Progress = Callable[[int], None]


def profile_context(row: VisitorProfile, now: datetime) -> VisitorContext:
    """A stored profile as a visitor arriving with no request attributes, on no channel."""
    profile = stored_profile(row)
    return VisitorContext(
        channel="", visitor_id=row.visitor_id, now=now, first_seen=profile.first_seen,
        visit_count=profile.visit_count, pages_visited=profile.pages_visited,
        content_types_visited=profile.content_types_visited, events=profile.events,
        traits=profile.traits or {}, consent=profile.consent,
    )


def _context(values: tuple, now: datetime) -> VisitorContext:
    """`profile_context` from a row's FIELDS values: no model instance, and data the visitor has not
    consented to is not even decoded (the engine would refuse it anyway)."""
    _, visitor_id, _, first_seen, visit_count, pages, content_types, events, traits, consent = values
    consent = frozenset(consent)
    behaviour = "behaviour" in consent
    return VisitorContext(
        channel="", visitor_id=visitor_id, now=now, first_seen=first_seen, visit_count=visit_count,
        pages_visited=frozenset(pages) if behaviour else frozenset(),
        content_types_visited=frozenset(content_types) if behaviour else frozenset(),
        events=tuple(filter(None, map(_event, events[-MAX_STORED_EVENTS:]))) if behaviour else (),
        traits=traits if "crm" in consent else {}, consent=consent,
    )


def profile_segments(row: VisitorProfile, *, ruleset: Ruleset | None = None, now: datetime | None = None) -> list[str]:
    """The segments a stored profile is in now, in priority order."""
    ruleset = ruleset or current_rules().ruleset
    return list(ruleset.evaluate(profile_context(row, now or datetime.now(timezone.utc))).matched)


def membership_diff(
    *, full: bool = True, now: datetime | None = None, progress: Progress | None = None, notify: bool = True
) -> dict:
    """Record who entered and left each segment; send the changes to `segment.membership` webhooks.

    `full=False` looks only at profiles changed since the last run. Returns counts.
    """
    now = now or datetime.now(timezone.utc)
    ruleset = current_rules().ruleset
    watermark = RollupWatermark.objects.get_or_create(name=WATERMARK, defaults={"received_until": EPOCH})[0]
    profiles = VisitorProfile.objects.filter(merged_into__isnull=True).order_by("pk")
    if not full:
        profiles = profiles.filter(updated_at__gte=watermark.received_until - OVERLAP)
    totals = {"profiles": 0, "entered": 0, "left": 0, "batches": 0}
    last = 0
    while True:
        rows = list(profiles.filter(pk__gt=last).values_list(*FIELDS)[:CHUNK])
        if not rows:
            break
        last = rows[-1][0]
        changes = _diff_chunk(rows, ruleset, now)
        totals["profiles"] += len(rows)
        totals["entered"] += sum(change["change"] == "entered" for change in changes)
        totals["left"] += sum(change["change"] == "left" for change in changes)
        if notify and changes:
            totals["batches"] += _notify(changes)
        if progress:
            progress(len(rows))
    if full:
        totals["left"] += _close_departed(ruleset, now, notify)
    RollupWatermark.objects.filter(name=WATERMARK, received_until__lt=now).update(received_until=now)
    return totals


def _diff_chunk(rows: list[tuple], ruleset: Ruleset, now: datetime) -> list[dict]:
    """Entries and exits of one chunk of profiles (FIELDS values), recorded in one transaction."""
    by_pk = {row[0]: row for row in rows}
    with transaction.atomic():
        current = {}
        for pk, profile_id, segment in SegmentMembership.objects.filter(
            profile_id__gte=rows[0][0], profile_id__lte=rows[-1][0], left_at__isnull=True
        ).values_list("pk", "profile_id", "segment"):
            if profile_id in by_pk:
                current[(profile_id, segment)] = pk
        wanted = {(row[0], key) for row in rows for key in ruleset.evaluate(_context(row, now)).matched}
        entered = sorted(wanted - current.keys())
        left = sorted(current.keys() - wanted)
        SegmentMembership.objects.bulk_create(
            [SegmentMembership(profile_id=pk, segment=key, entered_at=now) for pk, key in entered]
        )
        if left:
            SegmentMembership.objects.filter(pk__in=[current[pair] for pair in left]).update(left_at=now)
    return [
        *(_change(by_pk[pk], key, "entered", now) for pk, key in entered),
        *(_change(by_pk[pk], key, "left", now) for pk, key in left),
    ]


def _close_departed(ruleset: Ruleset, now: datetime, notify: bool) -> int:
    """Close memberships of segments no longer live (deleted, unpublished, expired)."""
    gone = SegmentMembership.objects.filter(left_at__isnull=True).exclude(segment__in=ruleset.keys)
    changes = [
        {"segment": segment, "change": "left", "visitor_id": visitor_id, "customer_id": customer_id, "at": now.isoformat()}
        for segment, visitor_id, customer_id in gone.values_list("segment", "profile__visitor_id", "profile__customer_id")
    ]
    gone.update(left_at=now)
    if notify and changes:
        _notify(changes)
    return len(changes)


def _change(row: tuple, segment: str, change: str, now: datetime) -> dict:
    return {"segment": segment, "change": change, "visitor_id": row[1], "customer_id": row[2], "at": now.isoformat()}


def _notify(changes: list[dict]) -> int:
    """One signed delivery per batch of changes to every `segment.membership` webhook; returns batches."""
    size = settings.MEMBERSHIP_WEBHOOK_BATCH
    batches = 0
    for start in range(0, len(changes), size):
        with transaction.atomic():
            recorded = webhook_event_record(WebhookEvent.SEGMENT_MEMBERSHIP, data={"changes": changes[start:start + size]})
        if recorded is None:
            return 0  # nobody listens
        batches += 1
    return batches


def membership_diff_soon() -> None:
    """Ask for a diff of the profiles changed lately (after imports, identify, consent): one pending at a time."""
    outbox_enqueue(DIFF_HANDLER, key="segment-membership-diff")


@outbox_handler(retry_delays=(30, 60, 120, 300), outside_transaction=True)
def membership_diff_job() -> None:
    """The outbox job behind `membership_diff_soon`: an incremental diff."""
    membership_diff(full=False)


def current_members(segment: str) -> Iterable[SegmentMembership]:
    """Open memberships of a segment, oldest first, with their profiles."""
    return (
        SegmentMembership.objects.filter(segment=segment, left_at__isnull=True)
        .select_related("profile").order_by("pk")
    )
