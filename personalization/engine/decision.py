"""What ``Ruleset.evaluate`` returns: the matched segments, why, and optionally how."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import NamedTuple


class Reason(StrEnum):
    """Why a segment did or did not match."""

    MATCH = "match"
    NO_MATCH = "no_match"
    NO_CONSENT = "no_consent"  # no match, and it uses data the visitor has not consented to
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class ConditionTrace:
    """One condition as evaluated: enough to say "device equals mobile, and it was mobile".

    ``actual`` is the normalised value the operator saw (lowercased text, local time…);
    it is None when missing, or when ``blocked`` because the visitor has not consented.
    """

    path: str
    attribute: str
    operator: str
    expected: object
    actual: object
    result: bool
    blocked: bool

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {
            "path": self.path,
            "attribute": self.attribute,
            "operator": self.operator,
            "expected": self.expected,
            "actual": jsonable(self.actual),
            "result": self.result,
            "blocked": self.blocked,
        }


@dataclass(frozen=True, slots=True)
class SegmentTrace:
    """The conditions evaluated for one segment (short-circuited, in definition order)."""

    key: str
    reason: Reason
    conditions: tuple[ConditionTrace, ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {
            "key": self.key,
            "reason": self.reason.value,
            "conditions": [condition.as_dict() for condition in self.conditions],
        }


class Decision(NamedTuple):
    """The outcome of evaluating a ruleset for one visitor context.

    ``matched`` is in priority order; ``unconsented`` holds the segments with conditions
    on data the visitor has not consented to (such conditions never match, and such a
    segment's reason is NO_CONSENT unless it matched anyway); ``segments`` lists every
    segment of the ruleset in priority order; ``trace`` is filled only when evaluated
    with ``explain=True``.
    (A NamedTuple rather than a frozen dataclass: it is built on every request, and
    costs a fifth as much to build.)
    """

    matched: tuple[str, ...]
    unconsented: frozenset[str]
    disabled: frozenset[str]
    segments: tuple[str, ...]
    trace: tuple[SegmentTrace, ...] = ()

    def reason(self, key: str) -> Reason:
        """Why segment ``key`` did or did not match; KeyError if it is not in the ruleset."""
        if key not in self.segments:
            raise KeyError(key)
        if key in self.matched:
            return Reason.MATCH
        if key in self.disabled:
            return Reason.DISABLED
        return Reason.NO_CONSENT if key in self.unconsented else Reason.NO_MATCH

    @property
    def reasons(self) -> Mapping[str, Reason]:
        """The reason of every segment, in priority order."""
        return {key: self.reason(key) for key in self.segments}

    def digest(self, keys: Iterable[str] | None = None) -> str:
        """A short stable hex digest of the matched segments among ``keys`` (all if None).

        Used as a cache key: a page whose variants refer to two segments has at most four
        digests. The priority order is part of the digest, because it decides which
        variant wins when both segments match.
        """
        if keys is None:
            chosen = list(self.matched)
        else:
            wanted = set(keys)
            chosen = [key for key in self.matched if key in wanted]
        return hashlib.blake2b(json.dumps(chosen).encode(), digest_size=8).hexdigest()

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form, for ``meta.personalization`` and the admin."""
        return {
            "matched": list(self.matched),
            "reasons": {key: reason.value for key, reason in self.reasons.items()},
            "trace": [segment.as_dict() for segment in self.trace],
        }


def jsonable(value: object) -> object:
    """A JSON-friendly rendering of a normalised attribute value."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dict):  # the events index: name -> [(at, target)]
        return {name: [[at.isoformat(), target] for at, target in done] for name, done in value.items()}
    return value
