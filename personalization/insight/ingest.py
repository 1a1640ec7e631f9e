"""Feedback in: validated per item, consent applied, scored, stored, traits told.

`feedback_ingest` is the whole of `POST /api/v2/feedback/` after the request is parsed, and
what `import_feedback` and the admin upload call per chunk. Items are scored in the request
(the lexicon scores about 20,000 short texts a second on one core), so stored feedback always
has a score; the visitors' `sentiment` traits are refreshed by an outbox job in the same
transaction.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from django.db import IntegrityError, transaction
from wagtail.models import Page

from cms.outbox import outbox_enqueue
from personalization.customers.suppression import suppressed
from personalization.models import Segment, VisitorProfile
from personalization.request_context import CONSENT_HEADER, request_consent

from .models import Feedback, FeedbackSegment
from .scoring import active_scorer
from .validation import Rejection, ValidFeedback, Window, feedback_validate

TRAITS_HANDLER = "personalization.insight.traits.sentiment_traits_refresh"
IDENTIFYING = frozenset({"behaviour", "crm"})  # either keeps the ids with the text
FUTURE_SECONDS = 300  # a little clock skew; feedback from the future is refused
PAST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # imports bring history: any date since 2000


@dataclass
class FeedbackResult:
    """External ids stored now, ids already stored (a retry), and the items refused with why."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    stored: int = 0

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [rejection.as_dict() for rejection in self.rejected],
        }


def feedback_window(now: datetime | None = None) -> Window:
    """The timestamps accepted: since 2000, up to a few minutes ahead of the server's clock."""
    now = now or datetime.now(timezone.utc)
    return Window(PAST, now + timedelta(seconds=FUTURE_SECONDS))


def feedback_ingest(
    *,
    items: Sequence[object],
    headers: Mapping[str, str],
    channel_id: int | None = None,
    require_id: bool = True,
    dry_run: bool = False,
    offset: int = 0,
    now: datetime | None = None,
) -> FeedbackResult:
    """Validate, score and store a batch; valid items are kept whatever the others are.

    `offset` numbers a chunk's items within a whole file, so rejections point at its lines.
    With `dry_run` nothing is written: the result says what would be.
    """
    result = FeedbackResult()
    window = feedback_window(now)
    known_segments = set(Segment.objects.values_list("key", flat=True))
    valid: dict[tuple[str, str], tuple[int, ValidFeedback]] = {}
    anonymous: list[tuple[int, ValidFeedback]] = []
    for index, raw in enumerate(items, offset):
        item = feedback_validate(raw, index, segments=known_segments, window=window, require_id=require_id)
        if isinstance(item, Rejection):
            result.rejected.append(item)
        elif not item.external_id:
            anonymous.append((index, item))
        elif (item.source, item.external_id) in valid:
            result.duplicates.append(item.external_id)  # sent twice in one batch: stored once
        else:
            valid[(item.source, item.external_id)] = (index, item)
    candidates = [*valid.values(), *anonymous]
    pages = _existing_pages(item.page_id for _, item in candidates)
    kept = []
    for index, item in candidates:
        if item.page_id is not None and item.page_id not in pages:
            result.rejected.append(Rejection(index, item.external_id or None, "unknown_page", f"there is no page {item.page_id}"))
        else:
            kept.append(item)
    result.rejected.sort(key=lambda rejection: rejection.index)
    with transaction.atomic():
        known = _already_stored([item for item in kept if item.external_id])
        new = [item for item in kept if (item.source, item.external_id) not in known]
        result.duplicates += [item.external_id for item in kept if (item.source, item.external_id) in known]
        consent = _consent(new, headers)
        rows = _rows(new, consent, channel_id)
        if not dry_run and rows:
            _store(rows)
            refreshed = sorted({row.visitor_id for row in rows if row.visitor_id and "crm" in consent.get(row.visitor_id, ())})
            if refreshed:
                outbox_enqueue(TRAITS_HANDLER, kwargs={"visitor_ids": refreshed})
        result.accepted += [item.external_id for item in new if item.external_id]
        result.stored = len(rows)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _existing_pages(page_ids: Iterable[int | None]) -> set[int]:
    wanted = {page_id for page_id in page_ids if page_id is not None}
    return set(Page.objects.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()


def _already_stored(items: Sequence[ValidFeedback]) -> set[tuple[str, str]]:
    by_source: dict[str, list[str]] = {}
    for item in items:
        by_source.setdefault(item.source, []).append(item.external_id)
    known = set()
    for source, ids in by_source.items():
        known |= {(source, external_id) for external_id in Feedback.objects.filter(source=source, external_id__in=ids).values_list("external_id", flat=True)}
    return known


def _consent(items: Sequence[ValidFeedback], headers: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """Each visitor's consent: the request's X-Consent when sent, else their stored profile's."""
    visitor_ids = {item.visitor_id for item in items if item.visitor_id}
    # An erased id stays erased (no consent) until consent is given again through the consent API.
    visitor_ids -= suppressed(visitor_ids)
    if CONSENT_HEADER in headers:
        granted = request_consent(headers, None)
        return {visitor_id: granted for visitor_id in visitor_ids}
    stored = VisitorProfile.objects.filter(visitor_id__in=visitor_ids).values_list("visitor_id", "consent")
    return {visitor_id: frozenset(consent) for visitor_id, consent in stored}


def _rows(items: Sequence[ValidFeedback], consent: Mapping[str, frozenset[str]], channel_id: int | None) -> list[Feedback]:
    if not items:
        return []
    scores = active_scorer()
    scored = scores.score([item.text for item in items])
    rows = []
    for item, (score, label) in zip(items, scored, strict=True):
        # Without consent for the visitor, neither id stays: the customer id would name the same person.
        identified = bool(item.visitor_id) and bool(consent.get(item.visitor_id, frozenset()) & IDENTIFYING)
        rows.append(Feedback(
            text=item.text, source=item.source, channel_id=channel_id,
            visitor_id=item.visitor_id if identified else "", customer_id=item.customer_id if identified else "",
            page_id=item.page_id, rating=item.rating, rating_scale=item.rating_scale, language=item.language,
            occurred_at=item.occurred_at, external_id=item.external_id, segments=list(item.segments),
            score=score, label=label, scored_by=scores.version,
        ))
    return rows


def _store(rows: list[Feedback]) -> None:
    try:
        with transaction.atomic():
            created = Feedback.objects.bulk_create(rows, batch_size=500)
    except IntegrityError:
        # A concurrent request stored some of the same ids between our check and insert: one by one.
        created = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save()
                created.append(row)
            except IntegrityError:
                continue
    FeedbackSegment.objects.bulk_create(
        [FeedbackSegment(feedback_id=row.pk, segment_key=key, occurred_at=row.occurred_at, day=row.day) for row in created for key in row.segments],
        batch_size=1000,
    )
