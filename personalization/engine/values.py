"""Value types: parsing the values written in rules, and normalising the values found
in a visitor context so that operators compare like with like.

Runtime normalisers never raise: a value of the wrong type becomes ``None`` ("missing"),
which every operator except ``not_exists`` treats as not matching.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, TypeGuard

from .errors import Problem

MAX_TEXT = 1_000  # longest text value a rule may contain

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ValueType(StrEnum):
    """The type of an attribute, which decides its operators and the admin's picker."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    WEEKDAY = "weekday"
    STRING_SET = "string_set"
    EVENTS = "events"
    SEGMENT = "segment"
    PERCENTAGE = "percentage"


# How a value of each type is described in messages ("needs a number").
NOUNS = {
    ValueType.STRING: "a non-empty text",
    ValueType.NUMBER: "a number",
    ValueType.BOOLEAN: "true or false",
    ValueType.DATE: "a date like \"2025-03-30\"",
    ValueType.TIME: "a time like \"22:00\"",
    ValueType.WEEKDAY: "a day of the week like \"monday\" or \"mon\"",
    ValueType.STRING_SET: "a non-empty text",
    ValueType.SEGMENT: "a segment key",
    ValueType.PERCENTAGE: "a number from 0 to 100",
}


def is_number(value: object) -> TypeGuard[int | float]:
    """True for finite ints and floats; bools are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def parse_scalar(raw: object, vtype: ValueType, *, fold: bool = True) -> Any:
    """Parse one value written in a rule; raise Problem if it does not fit ``vtype``.

    Text is case-folded unless ``fold`` is false, so comparisons ignore case.
    """
    parsed = _PARSERS[vtype](raw, fold)
    if parsed is None:
        raise Problem(f"needs {NOUNS[vtype]}, got {_show(raw)}")
    return parsed


def _parse_text(raw: object, fold: bool) -> str | None:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_TEXT:
        return None
    return raw.casefold() if fold else raw


def _parse_number(raw: object, _fold: bool) -> float | int | None:
    return raw if is_number(raw) else None


def _parse_percentage(raw: object, _fold: bool) -> float | int | None:
    return raw if is_number(raw) and 0 <= raw <= 100 else None


def _parse_boolean(raw: object, _fold: bool) -> bool | None:
    return raw if isinstance(raw, bool) else None


def _parse_date(raw: object, _fold: bool) -> date | None:
    if not isinstance(raw, str) or len(raw) != 10:  # only the plain YYYY-MM-DD form
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _parse_time(raw: object, _fold: bool) -> time | None:
    if not isinstance(raw, str) or len(raw) not in (5, 8):  # HH:MM or HH:MM:SS, no zone
        return None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        return None


def _parse_weekday(raw: object, _fold: bool) -> int | None:
    if not isinstance(raw, str):
        return None
    name = raw.strip().casefold()
    for number, day in enumerate(WEEKDAYS, start=1):
        if name in (day, day[:3]):
            return number  # ISO weekday, as datetime.isoweekday()
    return None


_PARSERS: dict[ValueType, Callable[[object, bool], object]] = {
    ValueType.STRING: _parse_text,
    ValueType.STRING_SET: _parse_text,
    ValueType.SEGMENT: lambda raw, _fold: _parse_text(raw, False),
    ValueType.NUMBER: _parse_number,
    ValueType.PERCENTAGE: _parse_percentage,
    ValueType.BOOLEAN: _parse_boolean,
    ValueType.DATE: _parse_date,
    ValueType.TIME: _parse_time,
    ValueType.WEEKDAY: _parse_weekday,
}


def _show(raw: object) -> str:
    """A short, safe rendering of a bad value for messages (never a deep repr)."""
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return repr(raw) if len(raw) <= 40 else repr(raw[:37]) + "..."
    if isinstance(raw, int | float):
        # huge ints cannot even be turned into text (Python's digit limit)
        return repr(raw) if abs(raw) < 1e15 else "a very large number"
    return {list: "a list", dict: "an object"}.get(type(raw), type(raw).__name__)


# --- runtime normalisers: context value -> comparable value or None ---------------------


def fold_text(value: object) -> str | None:
    """Case-folded non-empty text, else None."""
    return value.casefold() if isinstance(value, str) and value else None


def as_number(value: object) -> float | int | None:
    """The number itself, or None for anything else (including numeric-looking text)."""
    return value if is_number(value) else None


def as_boolean(value: object) -> bool | None:
    """The bool itself, or None."""
    return value if isinstance(value, bool) else None


def as_date(value: object) -> date | None:
    """A date from a date, a datetime (its own calendar date) or ISO text; else None.

    CRM traits arrive as JSON, which has no date type, hence the text form.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date(value, False)


def as_aware_datetime(value: object) -> datetime | None:
    """A timezone-aware datetime, or None (naive datetimes cannot be compared safely)."""
    return value if isinstance(value, datetime) and value.tzinfo is not None else None


def as_text_set(value: object, fold: bool) -> frozenset[str]:
    """The text members of a collection, case-folded if ``fold``; empty when not a collection."""
    if not isinstance(value, frozenset | set | tuple | list):
        return frozenset()
    return frozenset(
        (item.casefold() if fold else item) for item in value if isinstance(item, str)
    )


NORMALISERS: dict[ValueType, Callable[[object], object]] = {
    ValueType.STRING: fold_text,
    ValueType.NUMBER: as_number,
    ValueType.BOOLEAN: as_boolean,
    ValueType.DATE: as_date,
}
