"""One reported event checked against what the hub knows: a pure function, no Django, no I/O.

`event_validate` turns one item of a `POST /api/v2/events/` batch (decoded JSON) into
a `ValidEvent` ready to store, or a `Rejection` saying which rule it broke. What it
checks against (the declared event types, the segment keys, the accepted time window)
comes in as a `Catalogue` and a `Window`: the caller reads them once per batch.

Every text is checked for what the database cannot store (NUL characters, lone
surrogates), so a valid event never fails at insert time.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple
from datetime import datetime, timezone
from decimal import Decimal

MAX_ID_LENGTH = 64
MAX_VISITOR_ID_LENGTH = 128
MAX_PLACEMENT_LENGTH = 128
MAX_NAME_LENGTH = 64  # variant, experiment, arm, segment keys
MAX_SEGMENTS = 50
MAX_PROPERTY_TEXT = 256
# Event.value is a DecimalField(max_digits=16, decimal_places=4): 12 digits before the point.
MAX_ABS_VALUE = Decimal("1e12")
FOUR_PLACES = Decimal("0.0001")
MAX_PAGE_ID = 2**31 - 1

FIELDS = frozenset({
    "id", "type", "visitor_id", "timestamp", "page", "placement", "slot", "variant", "experiment", "arm",
    "segments", "value", "properties",
})
# RFC 3339 date-time: an offset is required (a time without one means nothing on a server in UTC).
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})\Z", re.ASCII)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """What events may name: event types with their properties' types, and segment keys."""

    types: Mapping[str, Mapping[str, str]]  # type name -> {property key: "string" | "number" | "boolean"}
    segments: frozenset[str]


@dataclass(frozen=True, slots=True)
class Window:
    """The timestamps accepted, inclusive, in UTC."""

    earliest: datetime
    latest: datetime


class ValidEvent(NamedTuple):
    """An event ready to store (visitor id before consent is applied). A tuple: built 20,000 times a second."""

    event_id: str
    type: str
    visitor_id: str
    occurred_at: datetime
    page_id: int | None
    placement: str
    variant: str
    experiment: str
    arm: str
    segments: tuple[str, ...]
    value: Decimal | None
    properties: dict


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the item at `index` of the batch was not stored; `code` is stable, `detail` is for people."""

    index: int
    id: str | None
    code: str
    detail: str

    def as_dict(self) -> dict:
        """As the API lists it: each rejected item is a 422 of its own."""
        return {"index": self.index, "id": self.id, "status": 422, "code": self.code, "detail": self.detail}


class _Invalid(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def event_validate(raw: object, index: int, *, catalogue: Catalogue, window: Window) -> ValidEvent | Rejection:
    """The item at `index` of a batch as an event to store, or the first rule it breaks."""
    event_id = raw.get("id") if isinstance(raw, dict) else None
    event_id = event_id if isinstance(event_id, str) else None
    try:
        return _event(raw, catalogue, window)
    except _Invalid as invalid:
        return Rejection(index, event_id, invalid.code, invalid.detail)


def _event(raw: object, catalogue: Catalogue, window: Window) -> ValidEvent:
    if not isinstance(raw, dict):
        raise _Invalid("invalid", "an event must be a JSON object")
    unknown = raw.keys() - FIELDS
    if unknown:
        raise _Invalid("unknown_field", f"unknown field {sorted(unknown)[0]!r}")
    event_type = _text(raw.get("type"), "type", MAX_NAME_LENGTH)
    declared = catalogue.types.get(event_type)
    if declared is None:
        raise _Invalid("unknown_type", f"unknown event type {event_type!r}: declare it in the admin first")
    return ValidEvent(
        event_id=_text(raw.get("id"), "id", MAX_ID_LENGTH),
        type=event_type,
        visitor_id=_text(raw.get("visitor_id"), "visitor_id", MAX_VISITOR_ID_LENGTH),
        occurred_at=_timestamp(raw.get("timestamp"), window),
        page_id=_page(raw.get("page")),
        placement=_placement(raw),
        variant=_optional_text(raw, "variant", MAX_NAME_LENGTH),
        experiment=_optional_text(raw, "experiment", MAX_NAME_LENGTH),
        arm=_optional_text(raw, "arm", MAX_NAME_LENGTH),
        segments=_segments(raw.get("segments"), catalogue.segments),
        value=_value(raw.get("value")),
        properties=_properties(raw.get("properties"), declared, event_type),
    )


def _text(value: object, name: str, max_length: int) -> str:
    """A non-empty string the database can store, at most `max_length` characters."""
    if value is None:
        raise _Invalid("missing", f"{name} is required")
    if not isinstance(value, str) or not value:
        raise _Invalid("invalid", f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise _Invalid("invalid", f"{name} must be at most {max_length} characters")
    _storable(value, name)
    return value


def _storable(value: str, name: str) -> None:
    # PostgreSQL refuses NUL in text and JSON; JSON may decode to lone surrogates UTF-8 cannot encode.
    if "\x00" in value:
        raise _Invalid("invalid", f"{name} must not contain null characters")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise _Invalid("invalid", f"{name} must be valid Unicode (no lone surrogates)") from None


def _optional_text(raw: dict, name: str, max_length: int) -> str:
    value = raw.get(name)
    return "" if value is None else _text(value, name, max_length)


def _placement(raw: dict) -> str:
    placement = _optional_text(raw, "placement", MAX_PLACEMENT_LENGTH)
    slot = _optional_text(raw, "slot", MAX_PLACEMENT_LENGTH)
    if placement and slot and placement != slot:
        raise _Invalid("invalid", "placement and slot name the same thing: send one of them")
    return placement or slot


def _timestamp(value: object, window: Window) -> datetime:
    if value is None:
        raise _Invalid("missing", "timestamp is required")
    if not isinstance(value, str) or not RFC3339.match(value):
        raise _Invalid("invalid_timestamp", "timestamp must be an RFC 3339 date-time with an offset")
    try:
        # fromisoformat keeps microseconds (longer fractions are cut) and reads "Z" but not "z".
        at = datetime.fromisoformat(value.upper()).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise _Invalid("invalid_timestamp", "timestamp is not a valid date-time") from None
    if not window.earliest <= at <= window.latest:
        raise _Invalid(
            "timestamp_out_of_window",
            f"timestamp must lie between {window.earliest.isoformat()} and {window.latest.isoformat()}",
        )
    return at


def _page(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE_ID:
        raise _Invalid("invalid", "page must be a page id (a positive integer)")
    return value


def _segments(value: object, known: frozenset[str]) -> tuple[str, ...]:
    if not value and (value is None or value == []):
        return ()
    if not isinstance(value, list) or len(value) > MAX_SEGMENTS:
        raise _Invalid("invalid", f"segments must be a list of at most {MAX_SEGMENTS} segment keys")
    keys = tuple(dict.fromkeys(_text(key, "segments[]", MAX_NAME_LENGTH) for key in value))
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise _Invalid("unknown_segment", f"unknown segment {unknown[0]!r}")
    return keys


def _number(value: object) -> bool:
    """A JSON number: not a boolean, not infinite, and within what a double holds (JSON clients read doubles)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any double
        return False


def _value(value: object) -> Decimal | None:
    if value is None:
        return None
    if not _number(value):
        raise _Invalid("invalid_value", "value must be a finite number")
    amount = Decimal(str(value))
    if abs(amount) >= MAX_ABS_VALUE:  # before quantize, which cannot hold more than 28 digits
        raise _Invalid("invalid_value", f"value must be less than {MAX_ABS_VALUE:,.0f} in size")
    return amount.quantize(FOUR_PLACES)


_PROPERTY_CHECKS = {
    "string": lambda value: isinstance(value, str) and len(value) <= MAX_PROPERTY_TEXT,
    "number": _number,
    "boolean": lambda value: isinstance(value, bool),
}
_PROPERTY_NAMES = {"string": f"a string of at most {MAX_PROPERTY_TEXT} characters", "number": "a finite number",
                   "boolean": "true or false"}


def _properties(value: object, declared: Mapping[str, str], event_type: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Invalid("invalid", "properties must be a JSON object")
    for key, item in value.items():
        kind = declared.get(key)
        if kind is None:
            raise _Invalid("unknown_property", f"{event_type!r} events declare no property {key!r}")
        if not _PROPERTY_CHECKS[kind](item):
            raise _Invalid("invalid_property", f"properties.{key} must be {_PROPERTY_NAMES[kind]}")
        if kind == "string":
            _storable(item, f"properties.{key}")
    return value
