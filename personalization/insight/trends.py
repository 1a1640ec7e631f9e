"""Sentiment over time: mean score, negative share and volume per day or week, per slice.

Direct grouped queries on indexed columns (occurred_at with page, channel, source; segment
rows with their own copy of occurred_at): at the demo's size and at 100,000 items a query
takes milliseconds (tests/benchmarks/bench_sentiment.py measures it), so no rollup table.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncWeek

from .models import Feedback, FeedbackSegment
from .sentiment import NEGATIVE

DIMENSIONS = ("segment", "channel", "page", "source")
PERIODS = {"day": TruncDay, "week": TruncWeek}


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


def sentiment_trend(
    *, since: datetime, until: datetime, period: str = "day", by: str | None = None, where: Slice = Slice()
) -> list[TrendPoint]:
    """Points per bucket (and per value of `by`: segment, channel, page or source), oldest first."""
    trunc = PERIODS[period]
    if by == "segment":
        rows = FeedbackSegment.objects.filter(occurred_at__gte=since, occurred_at__lt=until, feedback__in=sliced(Feedback.objects.all(), where))
        rows = rows.annotate(bucket=trunc("occurred_at")).values("bucket", "segment_key").annotate(
            volume=Count("pk"), mean=Avg("feedback__score"), negative=Count("pk", filter=Q(feedback__label=NEGATIVE)))
        key_field = "segment_key"
    else:
        feedback = sliced(Feedback.objects.filter(occurred_at__gte=since, occurred_at__lt=until, score__isnull=False), where)
        key_field = {"channel": "channel_id", "page": "page_id", "source": "source", None: None}[by]
        group = ["bucket", key_field] if key_field else ["bucket"]
        rows = feedback.annotate(bucket=trunc("occurred_at")).values(*group).annotate(
            volume=Count("pk"), mean=Avg("score"), negative=Count("pk", filter=Q(label=NEGATIVE)))
    points = [
        TrendPoint(
            bucket=row["bucket"].date() if isinstance(row["bucket"], datetime) else row["bucket"],
            key=str(row[key_field]) if key_field and row[key_field] is not None else ("" if key_field else "all"),
            volume=row["volume"], mean=round(row["mean"] or 0.0, 4),
            negative_share=round(row["negative"] / row["volume"], 4) if row["volume"] else 0.0,
        )
        for row in rows.order_by("bucket")
    ]
    return sorted(points, key=lambda point: (point.bucket, point.key))
