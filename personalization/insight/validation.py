"""One feedback item checked: a pure function, no Django, no I/O (as events' validation).

`feedback_validate` turns one decoded item (API batch, CSV row or JSONL line) into a
`ValidFeedback` or a `Rejection` naming the rule it broke. The segment keys it may name come
in as a set; whether a page exists is the caller's question (one query per batch).
"""

from collections.abc import Set
from datetime import datetime
from typing import NamedTuple

from personalization.events.validation import (
    MAX_ID_LENGTH,
    MAX_VISITOR_ID_LENGTH,
    Rejection,
    Window,
    _Invalid,
    _optional_text,
    _page,
    _segments,
    _text,
    _timestamp,
)

MAX_TEXT_LENGTH = 10_000
MAX_EXTERNAL_ID_LENGTH = 128
MAX_LANGUAGE_LENGTH = 16
SOURCES = frozenset({"survey", "support", "social", "app_review", "email", "other"})
SCALES = {"1-5": (1, 5), "0-10": (0, 10)}
FIELDS = frozenset({
    "external_id", "text", "source", "visitor_id", "customer_id", "page", "rating", "rating_scale",
    "language", "timestamp", "segments",
})
assert MAX_ID_LENGTH <= MAX_EXTERNAL_ID_LENGTH


class ValidFeedback(NamedTuple):
    """A feedback item ready to store (ids before consent is applied)."""

    external_id: str
    text: str
    source: str
    visitor_id: str
    customer_id: str
    page_id: int | None
    rating: int | None
    rating_scale: str
    language: str
    occurred_at: datetime
    segments: tuple[str, ...]


def feedback_validate(
    raw: object, index: int, *, segments: Set[str], window: Window, require_id: bool = True
) -> ValidFeedback | Rejection:
    """The item at `index` as feedback to store, or the first rule it breaks.

    `require_id`: the API needs `external_id` (a retried batch must not store twice); a file
    import may go without.
    """
    external_id = raw.get("external_id") if isinstance(raw, dict) else None
    external_id = external_id if isinstance(external_id, str) else None
    try:
        return _feedback(raw, segments, window, require_id)
    except _Invalid as invalid:
        return Rejection(index, external_id, invalid.code, invalid.detail)


def _feedback(raw: object, segments: Set[str], window: Window, require_id: bool) -> ValidFeedback:
    if not isinstance(raw, dict):
        raise _Invalid("invalid", "a feedback item must be a JSON object")
    unknown = raw.keys() - FIELDS
    if unknown:
        raise _Invalid("unknown_field", f"unknown field {sorted(unknown)[0]!r}")
    external_id = (
        _text(raw.get("external_id"), "external_id", MAX_EXTERNAL_ID_LENGTH)
        if require_id else _optional_text(raw, "external_id", MAX_EXTERNAL_ID_LENGTH)
    )
    text = _text(raw.get("text"), "text", MAX_TEXT_LENGTH)
    if not text.strip():
        raise _Invalid("invalid", "text must not be blank")
    source = _text(raw.get("source"), "source", 16)
    if source not in SOURCES:
        raise _Invalid("invalid", f"source must be one of {', '.join(sorted(SOURCES))}")
    rating, scale = _rating(raw.get("rating"), raw.get("rating_scale"))
    language = _optional_text(raw, "language", MAX_LANGUAGE_LENGTH)
    return ValidFeedback(
        external_id=external_id,
        text=text,
        source=source,
        visitor_id=_optional_text(raw, "visitor_id", MAX_VISITOR_ID_LENGTH),
        customer_id=_optional_text(raw, "customer_id", MAX_VISITOR_ID_LENGTH),
        page_id=_page(raw.get("page")),
        rating=rating,
        rating_scale=scale,
        language=language.lower(),
        occurred_at=_timestamp(raw.get("timestamp"), window),
        segments=_segments(raw.get("segments"), frozenset(segments)),
    )


def _rating(value: object, scale: object) -> tuple[int | None, str]:
    if value is None:
        if scale is not None:
            raise _Invalid("invalid", "rating_scale without a rating")
        return None, ""
    if scale not in SCALES:
        raise _Invalid("invalid", "a rating needs its rating_scale: 1-5 or 0-10")
    low, high = SCALES[scale]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Invalid("invalid", f"rating must be a whole number from {low} to {high}")
    return value, scale


__all__ = ["FIELDS", "Rejection", "SOURCES", "ValidFeedback", "Window", "feedback_validate"]
