"""Every query the marketer's dashboard makes. They read rollups and served impressions, never raw events.

A report's range is whole UTC days [start, end). Each report reads the smallest rollup
grain that answers its filters (models.py describes the grains):
- a placement and variant chosen, or a breakdown by variant: the fine day grain
  (`EventRollup`, one row per event type);
- a series of a range up to two days, without page or variant: the hour grain;
- everything else: the segment day grain, its rows for every page (page_id NULL) unless a
  page is chosen or the report is per page.
A series with a page or a variant chosen is drawn by day: the hour grain keeps neither,
because hours × pages × variants × segments is about one row per event.

Segments: rows under segment "" count every event once, so figures "for everyone" read
only those; rows under a segment key count the events served for that segment, so a
breakdown by segment reads those (an event served for two segments is in both).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from personalization.events.models import EventRollup, Granularity, HourRollup, SegmentDayRollup, ServedImpression
from personalization.events.rates import Figures, bucket_starts, granularity_for
from personalization.events.rollup import COUNTED_TYPES, REACHED_TYPE, VALUED_TYPE

_FIGURES = ("views", "impressions", "clicks", "conversions")
# What a row's figures add up to in the fine grain (a row per type) and in the others (the types side by side).
_BY_TYPE = {
    **{name: Sum("count", filter=Q(type=type_)) for name, type_ in zip(_FIGURES, COUNTED_TYPES)},
    "value": Sum("value_sum", filter=Q(type=VALUED_TYPE)),
}
_SIDE_BY_SIDE = {**{name: Sum(name) for name in _FIGURES}, "value": Sum("value_sum")}


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
        """The series' buckets: hours for up to two days, unless a page or variant is chosen (see above)."""
        if self.page_id is not None or self.fine:
            return Granularity.DAY
        return granularity_for(self.start, self.end)

    @property
    def fine(self) -> bool:
        """Whether only the fine grain can answer (it alone keeps placements and variants)."""
        return self.placement is not None or self.variant is not None


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


def _rollups(report: ReportFilter, *, hourly: bool = False, per_page: bool = False, per_segment: bool = False,
             fine: bool = False) -> tuple[QuerySet, dict]:
    """The rows of the smallest grain that answers, in the range, under "" (or the chosen segment), or with
    `per_segment` under every segment (or the chosen one); and how their figures add up."""
    if fine or report.fine:
        queryset, sums = EventRollup.objects.filter(type__in=COUNTED_TYPES), _BY_TYPE
    elif hourly:
        queryset, sums = HourRollup.objects.all(), _SIDE_BY_SIDE
    else:
        # NULL page_id rows are every page: read them unless a page is chosen or pages are compared.
        queryset, sums = SegmentDayRollup.objects.filter(page_id__isnull=report.page_id is None and not per_page), \
            _SIDE_BY_SIDE
    queryset = queryset.filter(bucket__gte=report.start, bucket__lt=report.end)
    if report.segment or not per_segment:
        queryset = queryset.filter(segment=report.segment)
    else:
        queryset = queryset.exclude(segment="")
    return _narrowed(queryset, report), sums


def _counted(rollups: tuple[QuerySet, dict], *fields: str) -> list[Row]:
    """One Row per distinct value of `fields`, in their order, in one grouped query."""
    queryset, sums = rollups
    return [
        Row(
            key=tuple(row[name] for name in fields),
            figures=Figures(row["impressions"] or 0, row["clicks"] or 0, row["conversions"] or 0,
                            Decimal(row["value"] or 0)),
            views=row["views"] or 0,
        )
        for row in queryset.values(*fields).annotate(**sums).order_by(*fields)
    ]


def events_series(report: ReportFilter) -> list[Row]:
    """Figures per hour (ranges up to two days) or per day, every bucket present (zeros included)."""
    granularity = report.granularity
    counted = {row.key[0]: row for row in _counted(_rollups(report, hourly=granularity == Granularity.HOUR), "bucket")}
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
    queryset, sums = _rollups(report, fine=True)
    return _counted((queryset.exclude(variant=""), sums), "placement", "variant")


def events_by_channel(report: ReportFilter) -> list[Row]:
    """Figures per channel id, most impressions first."""
    return _by_impressions(_counted(_rollups(report), "channel_id"))


def events_by_page(report: ReportFilter) -> list[Row]:
    """Figures per page id (0: events about no page), most impressions first."""
    return _by_impressions(_counted(_rollups(report, per_page=True), "page_id"))


def _by_impressions(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (-row.figures.impressions, -row.views, row.key))


def reach_by_segment(report: ReportFilter) -> list[SegmentReach]:
    """Per segment: visitors shown something (frontends' impressions) and bodies the server served.

    Visitors are distinct per day and channel (and page, when one is chosen), then added up
    over days: a visitor back the next day counts again. With a variant chosen they are
    distinct per day, page and variant (the fine grain's rows). Served impressions come
    from the delivery API's own counts.
    """
    rollups, sums = _rollups(report, per_segment=True)
    visitors = Sum("visitors", filter=Q(type=REACHED_TYPE)) if sums is _BY_TYPE else Sum("visitors")
    visitors = dict(rollups.values_list("segment").annotate(reached=visitors).values_list("segment", "reached")
                    .order_by())
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
    queryset, sums = _rollups(report, per_page=True, per_segment=True)
    for row in _counted((queryset.exclude(page_id=0), sums), "segment", "page_id"):
        by_segment[row.key[0]].append(Row((row.key[1],), row.figures, row.views))
    return [
        TopPages(segment, sorted(rows, key=lambda row: (-row.views, -row.figures.impressions, row.key))[:limit])
        for segment, rows in sorted(by_segment.items())
    ]


def placements_and_variants(report: ReportFilter) -> list[tuple[str, str]]:
    """(placement, variant) pairs that have figures in the range: the variant filter's choices."""
    return list(
        EventRollup.objects.filter(bucket__gte=report.start, bucket__lt=report.end, segment="")
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
