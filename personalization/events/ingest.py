"""A batch of reported events: validated per item, consent applied, stored durably, profiles told.

`events_ingest` is the whole of `POST /api/v2/events/` after the request is parsed. The
stored events and the outbox job that teaches profiles about them commit in one
transaction, before the caller answers: a 2xx means the events are on disk.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.db import connection, transaction

from cms.outbox import outbox_enqueue
from personalization.customers.suppression import suppressed
from personalization.events.catalogue import event_catalogue
from personalization.events.storage import events_insert
from personalization.events.validation import Rejection, ValidEvent, Window, event_validate
from personalization.experiments.ingest import exposures_from_events
from personalization.models import VisitorProfile
from personalization.request_context import CONSENT_HEADER, request_consent

LEARN_HANDLER = "personalization.profiles.events_apply"


@dataclass
class IngestResult:
    """Client ids stored now, ids already known (a retry), and the items refused with why."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [rejection.as_dict() for rejection in self.rejected],
        }


def events_ingest(
    *, channel_id: int, items: Sequence[object], headers: Mapping[str, str], now: datetime | None = None
) -> IngestResult:
    """Validate and store a batch of events for a channel; valid items are kept whatever the others are.

    `now` is the server's clock the timestamp window is set by. `received_at` is the moment of the
    insert: aggregation reads up to a lag behind the clock, which must cover the insert, not the request.
    """
    result = IngestResult()
    valid = _validated(items, result, now or datetime.now(timezone.utc))
    visitors = _consenting(valid, headers)
    # An erased id is not kept, whatever the banner says, until consent is given again through the API.
    visitors -= suppressed(visitors)
    with transaction.atomic():
        received_at = datetime.now(timezone.utc)
        stored = events_insert(valid, channel_id=channel_id, received_at=received_at, visitors=visitors) if valid else set()
        learned = [event for event in valid if event.event_id in stored and event.visitor_id in visitors]
        if learned:
            outbox_enqueue(LEARN_HANDLER, kwargs={"events": _profile_events(learned)})
        exposures_from_events([event for event in valid if event.event_id in stored and event.visitor_id in visitors],
                              channel_id=channel_id)
    for event in valid:
        (result.accepted if event.event_id in stored else result.duplicates).append(event.event_id)
    return result


def _validated(items: Sequence[object], result: IngestResult, now: datetime) -> list[ValidEvent]:
    """The valid items, each client id once; the rest go to `result`'s rejected or duplicates."""
    window = Window(
        now - timedelta(seconds=settings.EVENTS_PAST_WINDOW_SECONDS),
        now + timedelta(seconds=settings.EVENTS_FUTURE_WINDOW_SECONDS),
    )
    catalogue = event_catalogue()
    valid: dict[str, ValidEvent] = {}
    for index, raw in enumerate(items):
        event = event_validate(raw, index, catalogue=catalogue, window=window)
        if isinstance(event, Rejection):
            result.rejected.append(event)
        elif event.event_id not in valid:
            valid[event.event_id] = event
        elif valid[event.event_id].occurred_at == event.occurred_at:
            result.duplicates.append(event.event_id)  # sent twice in one batch: stored once
        else:
            result.rejected.append(Rejection(index, event.event_id, "id_reused", "another event of this batch has this id"))
    return list(valid.values())


def _consenting(events: Sequence[ValidEvent], headers: Mapping[str, str]) -> set[str]:
    """Visitor ids with behaviour consent: the request's X-Consent when sent, else each stored profile's."""
    visitor_ids = {event.visitor_id for event in events}
    if CONSENT_HEADER in headers:
        return visitor_ids if "behaviour" in request_consent(headers, None) else set()
    if not visitor_ids:
        return set()
    if connection.vendor == "postgresql":
        # One array parameter: an IN list of 500 placeholders is parsed again by psycopg for every batch.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT visitor_id FROM {VisitorProfile._meta.db_table} "
                "WHERE visitor_id = ANY(%s) AND consent @> '[\"behaviour\"]'", [list(visitor_ids)],
            )
            return {visitor_id for (visitor_id,) in cursor.fetchall()}
    stored = VisitorProfile.objects.filter(visitor_id__in=visitor_ids).values_list("visitor_id", "consent")
    return {visitor_id for visitor_id, consent in stored if "behaviour" in consent}


def _profile_events(events: Sequence[ValidEvent]) -> dict[str, list[dict]]:
    """Events as profiles store them: the target `done_within_days` compares is the page id, else the placement."""
    by_visitor: dict[str, list[dict]] = {}
    for event in events:
        target = str(event.page_id) if event.page_id is not None else event.placement or None
        by_visitor.setdefault(event.visitor_id, []).append(
            {"name": event.type, "at": event.occurred_at.isoformat(), "target": target}
        )
    return by_visitor
