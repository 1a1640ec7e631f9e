"""Per-evaluation facts: a lazy mapping from attribute keys to normalised values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .context import VisitorContext
from .zones import zone_info

Compute = Callable[["Facts"], Any]


class Facts(dict[str, Any]):
    """What conditions read during one ``Ruleset.evaluate`` call.

    ``facts["device"]`` computes the value on first use and keeps it, so a hundred
    segments asking for the device case-fold it once, and a hit costs one dict lookup.
    Keys and their compute functions (``sources``) are collected when the ruleset is
    compiled. Evaluation also stores segment membership here (``"segment:<key>"``) for
    ``member_of``; ``trace`` collects condition traces when explaining.
    """

    __slots__ = ("_sources", "context", "trace")

    def __init__(
        self, context: VisitorContext, sources: Mapping[str, Compute], trace: list[Any] | None = None
    ) -> None:
        self.context = context
        self.trace = trace
        self._sources = sources

    def __missing__(self, key: str) -> Any:
        value = self[key] = self._sources[key](self)
        return value

    def local(self, zone: str) -> datetime | None:
        """The clock in ``zone`` ("" = the visitor's zone), converted once per zone."""
        key = "@" + zone  # no attribute key starts with "@"
        local = self.get(key, self)  # self as the "absent" marker: None is a valid value
        if local is self:
            info = zone_info(zone or self.context.timezone)
            local = self[key] = self.context.now.astimezone(info) if info else None
        return local  # type: ignore[return-value]
