"""Sentiment over time: mean score, negative share and volume per day or week, per slice.

Direct grouped queries on indexed columns: each item stores its UTC day, so SQL groups by a
plain column (no per-row date truncation, which SQLite runs as a Python function); weeks are
folded from days here. 100,000 items over 90 days are measured in the report.
"""


from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum

from .models import Feedback, FeedbackSegment
from .sentiment import NEGATIVE

DIMENSIONS = ("segment", "channel", "page", "source")
PERIODS = ("day", "week")


@dataclass(frozen=True)
class Slice:
    """Which feedback to look at: any of segment key, channel id, page id, source."""

    segment: str = ""
    channel: int | None = None
    page: int | None = None
    source: str = ""

    def describe(self) -> str:
        parts = [f"{name} {value}" for name, value in (("segment", self.segment), ("channel", self.channel),
                 ("page", self.page), ("source", self.source)) if value]
        return ", ".join(parts) or "all feedback"


@dataclass(frozen=True)
class TrendPoint:
    """One bucket of one key: how many items, their mean score, and the share labelled negative."""

    bucket: date
    key: str
    volume: int
    mean: float
    negative_share: float


def sliced(feedback: QuerySet, where: Slice) -> QuerySet:
    """Feedback narrowed to a slice."""
    if where.segment:
        feedback = feedback.filter(segment_rows__segment_key=where.segment)
    if where.channel:
        feedback = feedback.filter(channel_id=where.channel)
    if where.page:
        feedback = feedback.filter(page_id=where.page)
    if where.source:
        feedback = feedback.filter(source=where.source)
    return feedback


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())  # weeks start on Monday, as ISO weeks do


def sentiment_trend(
    *, since: datetime, until: datetime, period: str = "day", by: str | None = None, where: Slice = Slice()
) -> list[TrendPoint]:
    """Points per bucket (and per value of `by`: segment, channel, page or source), oldest first.

    `since` and `until` are UTC midnights: whole days from `since` up to, not including, `until`.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    days = {"day__gte": since.date(), "day__lt": until.date()}
    if by == "segment":
        rows = FeedbackSegment.objects.filter(**days, feedback__in=sliced(Feedback.objects.filter(score__isnull=False), where))
        rows = rows.values("day", "segment_key").annotate(
            volume=Count("pk"), total=Sum("feedback__score"), negative=Count("pk", filter=Q(feedback__label=NEGATIVE)))
        key_field = "segment_key"
    else:
        feedback = sliced(Feedback.objects.filter(**days, score__isnull=False), where)
        key_field = {"channel": "channel_id", "page": "page_id", "source": "source", None: None}[by]
        group = ["day", key_field] if key_field else ["day"]
        rows = feedback.values(*group).annotate(volume=Count("pk"), total=Sum("score"), negative=Count("pk", filter=Q(label=NEGATIVE)))
    buckets: dict[tuple[date, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for row in rows.order_by():
        key = (str(row[key_field]) if row[key_field] is not None else "") if key_field else "all"
        bucket = buckets[(row["day"] if period == "day" else _week(row["day"]), key)]
        bucket[0] += row["volume"]
        bucket[1] += row["total"] or 0.0
        bucket[2] += row["negative"]
    return [
        TrendPoint(bucket=bucket, key=key, volume=volume, mean=round(total / volume, 4), negative_share=round(negative / volume, 4))
        for (bucket, key), (volume, total, negative) in sorted(buckets.items())
        if volume
    ]
