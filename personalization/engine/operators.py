"""Operators: how a condition's value is parsed at compile time, and the predicate it
becomes.

Predicates take the per-evaluation ``Facts`` and read the attribute's normalised value
under its key. That value is None when missing or of the wrong type, so an operator
never meets a wrong type and never raises; missing values never match, except with
``not_exists``.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple

from .attributes import Resolved
from .errors import Problem
from .facts import Facts
from .values import MAX_TEXT, ValueType, parse_scalar

MAX_LIST = 500  # most values an 'in' list may hold
MAX_DAYS = 36_500  # a century: any longer window is a mistake
MAX_COUNT = 10_000  # most times an event may be required

Predicate = Callable[[Facts], bool]
Parser = Callable[[object, Resolved], Any]
Builder = Callable[[str, Any, ValueType], Predicate]
Observer = Callable[[Any, Any, Facts], object]


@dataclass(frozen=True, slots=True)
class Operator:
    """An operator: its name, words for the admin, the shape of its value ("none", "one",
    "list", "pair" of the attribute's type, or "days", "event", "segment", "percentage"),
    its parser and its builder.

    ``observe`` turns the attribute's value into what a trace shows as "actual" when the
    raw value would say little (the events done, rather than the visitor's whole history).
    """

    name: str
    label: str
    shape: str
    parse: Parser
    build: Builder
    observe: Observer | None = None

    def describe(self) -> dict[str, str]:
        """JSON-able description for the admin's rule builder."""
        return {"label": self.label, "value": self.shape}


class EventSpec(NamedTuple):
    """The value of ``done_within_days``."""

    event: str
    target: str | None
    window: timedelta
    min_count: int


# --- parsers ----------------------------------------------------------------------------


def _one(raw: object, attribute: Resolved) -> Any:
    return parse_scalar(raw, attribute.type, fold=not attribute.attribute.case_sensitive)


def _many(raw: object, attribute: Resolved) -> frozenset[Any]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LIST:
        raise Problem(f"needs a list of 1 to {MAX_LIST} values")
    values = set()
    for index, item in enumerate(raw):
        try:
            values.add(_one(item, attribute))
        except Problem as problem:
            raise Problem(problem.message, f"[{index}]", problem.code) from None
    return frozenset(values)


def _pair(needs: str, order: str = "the smaller first") -> Parser:
    def parse(raw: object, attribute: Resolved) -> tuple[Any, Any]:
        if not isinstance(raw, list) or len(raw) != 2:
            raise Problem(f"needs {needs}")
        try:
            low, high = (_one(item, attribute) for item in raw)
        except Problem:
            raise Problem(f"needs {needs}") from None
        if attribute.type is ValueType.TIME:  # a window may cross midnight, in any order
            if low == high:
                raise Problem("needs two different times")
        elif low > high:
            raise Problem(f"needs {needs}, {order}")
        return low, high

    return parse


def _nothing(raw: object, _attribute: Resolved) -> None:
    if raw is not None:
        raise Problem("takes no value")


def _count(raw: object, what: str, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise Problem(f"needs {what} as a whole number from {low} to {high}")
    return raw


def _days(raw: object, _attribute: Resolved) -> int:
    return _count(raw, "the number of days", 1, MAX_DAYS)


def _event(raw: object, _attribute: Resolved) -> EventSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("event"), str):
        raise Problem('needs an object like {"event": "conversion", "days": 30}')
    unknown = sorted(str(key) for key in raw if key not in ("event", "target", "days", "min_count"))
    if unknown:
        raise Problem(f"does not know {unknown[0]!r}", f".{unknown[0]}")
    try:
        event = parse_scalar(raw["event"], ValueType.STRING)
    except Problem as problem:
        raise Problem(problem.message, ".event", problem.code) from None
    target = raw.get("target")
    if target is not None and (not isinstance(target, str) or not target or len(target) > MAX_TEXT):
        raise Problem("needs a non-empty text as target", ".target")
    days = _count(raw.get("days"), "the number of days", 1, MAX_DAYS)
    min_count = _count(raw.get("min_count", 1), "min_count", 1, MAX_COUNT)
    return EventSpec(event, target and target.casefold(), timedelta(days=days), min_count)


def _percentage(raw: object, _attribute: Resolved) -> float:
    return parse_scalar(raw, ValueType.PERCENTAGE)


def _segment(raw: object, _attribute: Resolved) -> str:
    return parse_scalar(raw, ValueType.SEGMENT)


# --- builders: (Facts key, parsed value, attribute type) -> predicate over Facts ---------


def _equals(key: str, expected: Any, vtype: ValueType) -> Predicate:
    return _in(key, frozenset([expected]), vtype)


def _not_equals(key: str, expected: Any, _vtype: ValueType) -> Predicate:
    def test(facts: Facts) -> bool:
        value = facts[key]
        return value is not None and value != expected

    return test


def _in(key: str, expected: frozenset[Any], vtype: ValueType) -> Predicate:
    if vtype is ValueType.STRING_SET:  # visited any of these
        return lambda facts: not expected.isdisjoint(facts[key])
    return lambda facts: facts[key] in expected


def accepted_values(operator: Operator, expected: Any, vtype: ValueType) -> frozenset[Any] | None:
    """The values a condition accepts when it is a plain membership test of a single
    value (``equals``, ``in``, ``day_of_week_in``), so that a ruleset can run it inline
    as ``facts[key] in values``; None for any other condition."""
    if vtype is ValueType.STRING_SET or operator.build not in (_equals, _in):
        return None
    return frozenset([expected]) if operator.build is _equals else expected


def _not_in(key: str, expected: frozenset[Any], vtype: ValueType) -> Predicate:
    if vtype is ValueType.STRING_SET:  # visited none of these
        return lambda facts: expected.isdisjoint(facts[key])

    def test(facts: Facts) -> bool:
        value = facts[key]
        return value is not None and value not in expected

    return test


def _contains(key: str, expected: Any, _vtype: ValueType) -> Predicate:
    # substring for text, membership for sets
    def test(facts: Facts) -> bool:
        value = facts[key]
        return value is not None and expected in value

    return test


def _starts_with(key: str, expected: str, vtype: ValueType) -> Predicate:
    if vtype is ValueType.STRING_SET:  # any visited path under this prefix
        return lambda facts: any(item.startswith(expected) for item in facts[key])

    def test(facts: Facts) -> bool:
        value = facts[key]
        return value is not None and value.startswith(expected)

    return test


def _ends_with(key: str, expected: str, _vtype: ValueType) -> Predicate:
    def test(facts: Facts) -> bool:
        value = facts[key]
        return value is not None and value.endswith(expected)

    return test


def _compare(compare: Callable[[Any, Any], bool]) -> Builder:
    def build(key: str, expected: Any, _vtype: ValueType) -> Predicate:
        def test(facts: Facts) -> bool:
            value = facts[key]
            return value is not None and compare(value, expected)

        return test

    return build


def _between(key: str, bounds: tuple[Any, Any], _vtype: ValueType) -> Predicate:
    low, high = bounds

    def test(facts: Facts) -> bool:
        value = facts[key]
        return value is not None and low <= value <= high

    return test


def _time_between(key: str, window: tuple[Any, Any], _vtype: ValueType) -> Predicate:
    start, end = window  # start included, end excluded
    if start < end:

        def test(facts: Facts) -> bool:
            value = facts[key]
            return value is not None and start <= value < end

        return test

    def test_overnight(facts: Facts) -> bool:  # the window crosses midnight, e.g. 22:00-06:00
        value = facts[key]
        return value is not None and (value >= start or value < end)

    return test_overnight


def _within_last_days(key: str, days: int, vtype: ValueType) -> Predicate:
    span = timedelta(days=days)
    if vtype is ValueType.DATE:  # calendar days in the visitor's zone, today included

        def test(facts: Facts) -> bool:
            value = facts[key]
            if value is None:
                return False
            today = (facts.local("") or facts.context.now).date()  # the clock's date if no zone
            return today - span <= value <= today

        return test

    def test_instant(facts: Facts) -> bool:
        value, now = facts[key], facts.context.now
        return value is not None and now - span <= value <= now

    return test_instant


def _done_within_days(key: str, spec: EventSpec, _vtype: ValueType) -> Predicate:
    return lambda facts: _times_done(facts[key], spec, facts) >= spec.min_count


def _times_done(index: dict[str, list[tuple[Any, str | None]]], spec: EventSpec, facts: Facts) -> int:
    """How often the event (on the target, if any) was done within the window, counting
    no further than ``min_count``. Events after ``now`` are not in the last N days: they
    exist when a decision is simulated at an earlier moment."""
    now = facts.context.now
    cutoff, count = now - spec.window, 0
    for at, target in index.get(spec.event, ()):
        if cutoff <= at <= now and (spec.target is None or target == spec.target):
            count += 1
            if count == spec.min_count:
                break
    return count


def _member_of(key: str, _expected: str, _vtype: ValueType) -> Predicate:
    # The key names the segment (sources.member_key); evaluation stores True there when
    # it matches. get() rather than [] skips computing "not a member" every time.
    return lambda facts: facts.get(key, False)


def _exists(key: str, _expected: Any, _vtype: ValueType) -> Predicate:
    return lambda facts: _present(facts[key])


def _not_exists(key: str, _expected: Any, _vtype: ValueType) -> Predicate:
    return lambda facts: not _present(facts[key])


def _present(value: object) -> bool:
    # an empty set (no page visited yet) counts as absent
    return value is not None and value != frozenset()


# --- the registry -----------------------------------------------------------------------

_ALL = (
    Operator("equals", "equals", "one", _one, _equals),
    Operator("not_equals", "does not equal", "one", _one, _not_equals),
    Operator("in", "is one of", "list", _many, _in),
    Operator("not_in", "is none of", "list", _many, _not_in),
    Operator("contains", "contains", "one", _one, _contains),
    Operator("starts_with", "starts with", "one", _one, _starts_with),
    Operator("ends_with", "ends with", "one", _one, _ends_with),
    Operator("gt", "is more than / after", "one", _one, _compare(op.gt)),
    Operator("gte", "is at least / from", "one", _one, _compare(op.ge)),
    Operator("lt", "is less than / before", "one", _one, _compare(op.lt)),
    Operator("lte", "is at most / until", "one", _one, _compare(op.le)),
    Operator("between", "is between (inclusive)", "pair",
             _pair("two numbers"), _between),
    Operator("exists", "is known", "none", _nothing, _exists),
    Operator("not_exists", "is unknown", "none", _nothing, _not_exists),
    Operator("time_between", "is between (start included, end excluded)", "pair",
             _pair('two times like ["22:00", "06:00"]'), _time_between),
    Operator("day_of_week_in", "is one of the days", "list", _many, _in),
    Operator("date_between", "is between the dates (inclusive)", "pair",
             _pair('two dates like ["2025-03-01", "2025-03-31"]', "the earlier first"), _between),
    Operator("within_last_days", "is within the last N days", "days", _days, _within_last_days),
    Operator("done_within_days", "was done within the last N days", "event",
             _event, _done_within_days, observe=_times_done),
    Operator("member_of", "is a member of", "segment", _segment, _member_of),
    Operator("percentage_below", "falls in the first N percent", "percentage",
             _percentage, _compare(op.lt)),
)

OPERATORS: dict[str, Operator] = {operator.name: operator for operator in _ALL}

