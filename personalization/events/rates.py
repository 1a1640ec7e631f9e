"""The dashboard's arithmetic: rates, time buckets and the range-to-granularity rule. No Django.

Rates are None, not 0, when nothing was shown: "no data" and "nobody clicked" are
different things to a marketer, and a table or a chart must be able to tell them apart.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# A range up to this long is drawn in hours; longer ones in days (a 90-day chart of 2,160 hours is noise).
HOURLY_UP_TO = timedelta(days=2)


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Figures:
    """What one row of a report counts: the three event types the rates are made of, plus value."""

    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    value: Decimal = Decimal(0)

    @property
    def click_through_rate(self) -> float | None:
        return rate(self.clicks, self.impressions)

    @property
    def conversion_rate(self) -> float | None:
        return rate(self.conversions, self.impressions)

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            self.impressions + other.impressions, self.clicks + other.clicks,
            self.conversions + other.conversions, self.value + other.value,
        )


def granularity_for(start: datetime, end: datetime) -> str:
    """'hour' for a range of at most two days, else 'day' (end exclusive)."""
    return "hour" if end - start <= HOURLY_UP_TO else "day"


def bucket_starts(start: datetime, end: datetime, granularity: str) -> Iterator[datetime]:
    """Every bucket start in [start, end): a series has a point for each, zero where nothing happened.

    `start` must already be on a bucket boundary (the report's range is whole UTC days).
    """
    step = HOUR if granularity == "hour" else DAY
    current = start
    while current < end:
        yield current
        current += step
