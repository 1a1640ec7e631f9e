"""Every query the marketer's dashboard makes. They read rollups and served impressions, never raw events.

A report's range is whole UTC days [start, end). Series use hour rollups for ranges up
to two days and day rollups beyond; totals and breakdowns always read day rollups,
which count the same events as the hours of those days in 24 times fewer rows.

Segments: rollup rows under segment "" count every event once, so figures "for everyone"
read only those; rows under a segment key count the events served for that segment, so
a breakdown by segment reads those (an event served for two segments is in both).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from personalization.events.models import EventRollup, Granularity, ServedImpression
from personalization.events.rates import Figures, bucket_starts, granularity_for

COUNTED_TYPES = ("view", "impression", "click", "conversion")


@dataclass(frozen=True)
class ReportFilter:
    """What a marketer chose: a range of whole UTC days and optional narrowing.

    `segment` "" means every visitor; `placement` and `variant` narrow to one variant
    of one placement (a variant key alone is ambiguous: every personalised block has a v1).
    """

    start: datetime
    end: datetime
    channel_id: int | None = None
    segment: str = ""
    page_id: int | None = None
    placement: str | None = None
    variant: str | None = None

    @property
    def granularity(self) -> str:
        return granularity_for(self.start, self.end)


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: what it is about (`key`) and its figures."""

    key: tuple
    figures: Figures
    views: int = 0


@dataclass(frozen=True)
class SegmentReach:
    segment: str
    visitors: int
    served: int


@dataclass(frozen=True)
class TopPages:
    segment: str
    pages: list[Row]


def _narrowed(queryset: QuerySet, report: ReportFilter, *, slot_field: str = "placement") -> QuerySet:
    if report.channel_id is not None:
        queryset = queryset.filter(channel_id=report.channel_id)
    if report.page_id is not None:
        queryset = queryset.filter(page_id=report.page_id)
    if report.placement is not None:
        queryset = queryset.filter(**{slot_field: report.placement})
    if report.variant is not None:
        queryset = queryset.filter(variant=report.variant)
    return queryset


def _rollups(report: ReportFilter, granularity: str = Granularity.DAY, *, per_segment: bool = False) -> QuerySet:
    """Rollup rows of the counted types in the range: under "" (or the chosen segment), or
    with `per_segment` under every segment (or the chosen one)."""
    queryset = EventRollup.objects.filter(
        granularity=granularity, bucket__gte=report.start, bucket__lt=report.end, type__in=COUNTED_TYPES
    )
    if report.segment or not per_segment:
        queryset = queryset.filter(segment=report.segment)
    else:
        queryset = queryset.exclude(segment="")
    return _narrowed(queryset, report)


def _counted(queryset: QuerySet, *fields: str) -> list[Row]:
    """One Row per distinct value of `fields`, in their order, counting each type in one grouped query."""
    rows = queryset.values(*fields).annotate(
        views=Sum("count", filter=Q(type="view")),
        impressions=Sum("count", filter=Q(type="impression")),
        clicks=Sum("count", filter=Q(type="click")),
        conversions=Sum("count", filter=Q(type="conversion")),
        # Value is revenue-like: only conversions carry it in a way worth adding up.
        value=Sum("value_sum", filter=Q(type="conversion")),
    ).order_by(*fields)
    return [
        Row(
            key=tuple(row[name] for name in fields),
            figures=Figures(row["impressions"] or 0, row["clicks"] or 0, row["conversions"] or 0,
                            Decimal(row["value"] or 0)),
            views=row["views"] or 0,
        )
        for row in rows
    ]


def events_series(report: ReportFilter) -> list[Row]:
    """Figures per hour (ranges up to two days) or per day, every bucket present (zeros included)."""
    granularity = report.granularity
    counted = {row.key[0]: row for row in _counted(_rollups(report, granularity), "bucket")}
    return [counted.get(start, Row((start,), Figures())) for start in bucket_starts(report.start, report.end, granularity)]


def events_total(series: Iterable[Row]) -> Row:
    """The range's totals, added up from its series (no second query)."""
    figures, views = Figures(), 0
    for row in series:
        figures, views = figures + row.figures, views + row.views
    return Row(("total",), figures, views)


def events_by_segment(report: ReportFilter) -> list[Row]:
    """Figures per segment key, most impressions first."""
    return _by_impressions(_counted(_rollups(report, per_segment=True), "segment"))


def events_by_variant(report: ReportFilter) -> list[Row]:
    """Figures per (placement, variant), in placement then variant order; events with no variant are left out."""
    return _counted(_rollups(report).exclude(variant=""), "placement", "variant")


def events_by_channel(report: ReportFilter) -> list[Row]:
    """Figures per channel id, most impressions first."""
    return _by_impressions(_counted(_rollups(report), "channel_id"))


def events_by_page(report: ReportFilter) -> list[Row]:
    """Figures per page id (0: events about no page), most impressions first."""
    return _by_impressions(_counted(_rollups(report), "page_id"))


def _by_impressions(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (-row.figures.impressions, -row.views, row.key))


def reach_by_segment(report: ReportFilter) -> list[SegmentReach]:
    """Per segment: visitors shown something (frontends' impressions) and bodies the server served.

    Visitors are distinct per day, page, placement and variant, then added up (the rollups
    keep no wider distinct count): a visitor shown two placements, or back the next day,
    counts again. Served impressions come from the delivery API's own counts.
    """
    visitors = dict(
        _rollups(report, per_segment=True).filter(type="impression")
        .values_list("segment").annotate(Sum("visitors")).order_by()
    )
    served_rows = _narrowed(
        ServedImpression.objects.filter(bucket__gte=report.start, bucket__lt=report.end), report, slot_field="slot"
    )
    served_rows = served_rows.filter(segment=report.segment) if report.segment else served_rows.exclude(segment="")
    served = dict(served_rows.values_list("segment").annotate(Sum("count")).order_by())
    return sorted(
        (SegmentReach(key, visitors.get(key) or 0, served.get(key) or 0) for key in visitors.keys() | served.keys()),
        key=lambda reach: (-reach.served, -reach.visitors, reach.segment),
    )


def top_pages_by_segment(report: ReportFilter, limit: int = 5) -> list[TopPages]:
    """Each segment's `limit` pages with the most views (then impressions), segments in key order."""
    by_segment: dict[str, list[Row]] = defaultdict(list)
    for row in _counted(_rollups(report, per_segment=True).exclude(page_id=0), "segment", "page_id"):
        by_segment[row.key[0]].append(Row((row.key[1],), row.figures, row.views))
    return [
        TopPages(segment, sorted(rows, key=lambda row: (-row.views, -row.figures.impressions, row.key))[:limit])
        for segment, rows in sorted(by_segment.items())
    ]


def placements_and_variants(report: ReportFilter) -> list[tuple[str, str]]:
    """(placement, variant) pairs that have figures in the range: the variant filter's choices."""
    return list(
        EventRollup.objects.filter(granularity=Granularity.DAY, bucket__gte=report.start, bucket__lt=report.end, segment="")
        .exclude(variant="").values_list("placement", "variant").distinct().order_by("placement", "variant")
    )


def served_by_variant(report: ReportFilter) -> dict[tuple[str, str], int]:
    """Bodies the server served per (slot, variant), under "" (everyone) or the chosen segment."""
    served = _narrowed(
        ServedImpression.objects.filter(bucket__gte=report.start, bucket__lt=report.end, segment=report.segment),
        report, slot_field="slot",
    )
    return {(slot, variant): count for slot, variant, count in
            served.values_list("slot", "variant").annotate(Sum("count")).order_by()}
