"""Time zones: which exist, and their ZoneInfo, looked up once per process."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

_ZONES: dict[str, ZoneInfo] = {}  # known zones, filled on first use


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name known to this system."""
    return frozenset(available_timezones())


def zone_info(name: object) -> ZoneInfo | None:
    """The zone called ``name``, or None if there is no such zone.

    Checking the known names first keeps odd input (paths, NUL bytes, very long text)
    away from ZoneInfo, which would raise a different error for each.
    """
    if not isinstance(name, str):
        return None
    zone = _ZONES.get(name)
    if zone is None and name in zone_names():
        zone = _ZONES[name] = ZoneInfo(name)
    return zone

