"""The visitor context: everything the engine may know about one request, frozen.

The clock comes in with the context (``now``); the engine never reads the system time,
so a decision can be replayed and tested exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """Something the visitor did: ``name`` ("conversion"), when, and on what."""

    name: str
    at: datetime
    target: str | None = None

    def __post_init__(self) -> None:
        _require_aware("Event.at", self.at)


@dataclass(frozen=True, slots=True)
class VisitorContext:
    """One visitor on one channel at one instant.

    Request attributes need no consent; profile data (``first_seen`` … ``events``) is
    "behaviour" data and ``traits`` are "crm" data: conditions on them only match when
    ``consent`` contains that category. Consent categories are lowercase identifiers.
    """

    channel: str
    visitor_id: str | None
    now: datetime
    timezone: str = "UTC"  # IANA zone of the visitor, for local time conditions
    # request
    device: str | None = None
    locale: str | None = None
    country: str | None = None
    region: str | None = None
    referrer: str | None = None
    utm: Mapping[str, str] = field(default_factory=dict)  # source, medium, campaign, term, content
    query: Mapping[str, str] = field(default_factory=dict)
    ctx: Mapping[str, str] = field(default_factory=dict)  # free request traits (ctx.<name>=)
    # profile (behaviour)
    first_seen: datetime | None = None
    visit_count: int = 0  # visits including the current one
    pages_visited: frozenset[str] = frozenset()
    content_types_visited: frozenset[str] = frozenset()
    events: tuple[Event, ...] = ()
    # CRM
    traits: Mapping[str, object] = field(default_factory=dict)
    consent: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Checked once here so that evaluation never meets a naive clock or a non-text channel.
        if not isinstance(self.channel, str):
            raise TypeError("VisitorContext.channel must be a string")
        _require_aware("VisitorContext.now", self.now)
        if self.first_seen is not None:
            _require_aware("VisitorContext.first_seen", self.first_seen)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VisitorContext:
        """Build a context from JSON-like data (test cases, the admin's "try a visitor").

        Datetimes are ISO 8601 strings; naive ones are taken as UTC. Lists become
        frozensets/tuples. Unknown keys raise TypeError, so typos do not pass silently.
        """
        values = dict(data)
        for name in ("now", "first_seen"):
            if values.get(name) is not None:
                values[name] = _datetime(values[name])
        for name in ("pages_visited", "content_types_visited", "consent"):
            if name in values:
                values[name] = frozenset(values[name])
        if "events" in values:
            values["events"] = tuple(_event(item) for item in values["events"])
        return cls(**values)


def _event(data: Mapping[str, Any]) -> Event:
    return Event(name=data["name"], at=_datetime(data["at"]), target=data.get("target"))


def _datetime(value: str | datetime) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _require_aware(name: str, value: object) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")

