"""The dashboard's tables: one definition each, shown as HTML and exported as CSV from the same rows."""

from dataclasses import dataclass
from decimal import Decimal

from wagtail.models import Page

from personalization.events import reports
from personalization.events.reports import ReportFilter, Row
from cms.models import Channel
from personalization.models import Segment

FIGURE_COLUMNS = (
    ("Views", "count"), ("Impressions", "count"), ("Clicks", "count"), ("Click-through rate", "rate"),
    ("Conversions", "count"), ("Conversion rate", "rate"), ("Value", "money"),
)


@dataclass(frozen=True)
class Table:
    """`columns` are (header, kind) with kind text, count, rate or money; `rows` hold raw values."""

    name: str
    title: str
    columns: tuple[tuple[str, str], ...]
    rows: list[list]
    note: str = ""

    @property
    def headers(self) -> list[str]:
        return [header for header, _ in self.columns]

    def display_rows(self) -> list[list[str]]:
        return [[display(value, kind) for value, (_, kind) in zip(row, self.columns)] for row in self.rows]

    def csv_rows(self) -> list[list]:
        return [[_exported(value, kind) for value, (_, kind) in zip(row, self.columns)] for row in self.rows]

    def column(self, header: str) -> list:
        """The raw values of one column."""
        index = self.headers.index(header)
        return [row[index] for row in self.rows]


def display(value, kind: str) -> str:
    """A cell as the admin shows it: counts with thousands separators, rates in per cent, "—" for no rate."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.2f} %"
    if kind == "count":
        return f"{value:,}"
    if kind == "money":
        return f"{value:,.2f}"
    return str(value)


def _exported(value, kind: str):
    # Rates as fractions with enough digits to recompute them; money to the cent, unrounded counts.
    if value is None:
        return ""
    if kind == "rate":
        return f"{value:.6f}"
    if kind == "money":
        return str(Decimal(value).quantize(Decimal("0.01")))
    return value


def _names(manager, key: str, wanted, name: str) -> dict:
    wanted = set(wanted)
    return dict(manager.filter(**{f"{key}__in": wanted}).values_list(key, name)) if wanted else {}


def _figures(row: Row) -> list:
    f = row.figures
    return [row.views, f.impressions, f.clicks, f.click_through_rate, f.conversions, f.conversion_rate, f.value]


class Labels:
    """Names for the ids and keys rollups store: a segment's name, a page's title, a channel's name.

    A deleted page or segment keeps its figures; it is shown by its id or key.
    """

    def __init__(self, *, segment_keys=(), page_ids=(), channel_ids=()):
        # Only the names a table needs, one query per kind it has
        self.segments = _names(Segment.objects, "key", segment_keys, "name")
        self.pages = _names(Page.objects, "pk", set(page_ids) - {0}, "title")
        self.channels = _names(Channel.objects, "pk", channel_ids, "name")

    def segment(self, key: str) -> str:
        return self.segments.get(key, key)

    def page(self, page_id: int) -> str:
        return "(no page)" if page_id == 0 else self.pages.get(page_id, f"(deleted page {page_id})")

    def channel(self, channel_id: int) -> str:
        return self.channels.get(channel_id, f"(channel {channel_id})")


def _over_time(report: ReportFilter) -> Table:
    hourly = report.granularity == "hour"
    bucket_format = "%Y-%m-%d %H:00" if hourly else "%Y-%m-%d"
    return Table(
        "over-time", "Over time (UTC)", (("Hour" if hourly else "Day", "text"), *FIGURE_COLUMNS),
        [[row.key[0].strftime(bucket_format), *_figures(row)] for row in reports.events_series(report)],
    )


def _segments(report: ReportFilter) -> Table:
    rows = reports.events_by_segment(report)
    labels = Labels(segment_keys=[row.key[0] for row in rows])
    return Table(
        "segments", "By segment", (("Segment", "text"), ("Key", "text"), *FIGURE_COLUMNS),
        [[labels.segment(row.key[0]), row.key[0], *_figures(row)] for row in rows],
        note="An event served for several segments counts under each of them.",
    )


def _variants(report: ReportFilter) -> Table:
    return Table(
        "variants", "By variant", (("Placement", "text"), ("Variant", "text"), *FIGURE_COLUMNS),
        [[*row.key, *_figures(row)] for row in reports.events_by_variant(report)],
    )


def _channels(report: ReportFilter) -> Table:
    rows = reports.events_by_channel(report)
    labels = Labels(channel_ids=[row.key[0] for row in rows])
    return Table(
        "channels", "By channel", (("Channel", "text"), *FIGURE_COLUMNS),
        [[labels.channel(row.key[0]), *_figures(row)] for row in rows],
    )


def _pages(report: ReportFilter) -> Table:
    rows = reports.events_by_page(report)
    labels = Labels(page_ids=[row.key[0] for row in rows])
    return Table(
        "pages", "By page", (("Page", "text"), ("Page id", "count"), *FIGURE_COLUMNS),
        [[labels.page(row.key[0]), row.key[0], *_figures(row)] for row in rows],
    )


def _reach(report: ReportFilter) -> Table:
    reach = reports.reach_by_segment(report)
    labels = Labels(segment_keys=[r.segment for r in reach])
    return Table(
        "reach", "Reach per segment",
        (("Segment", "text"), ("Key", "text"), ("Visitors shown something", "count"), ("Served by the hub", "count")),
        [[labels.segment(r.segment), r.segment, r.visitors, r.served] for r in reach],
        note="Visitors are distinct per day and channel (per page and variant when a variant is chosen), then "
             "added up over days: a visitor back the next day counts again. 'Served by the hub' counts "
             "personalised bodies the delivery API sent.",
    )


def _top_pages(report: ReportFilter) -> Table:
    top = reports.top_pages_by_segment(report)
    labels = Labels(segment_keys=[entry.segment for entry in top],
                    page_ids=[row.key[0] for entry in top for row in entry.pages])
    return Table(
        "top-pages", "Top pages per segment",
        (("Segment", "text"), ("Rank", "count"), ("Page", "text"), ("Views", "count"), ("Impressions", "count"),
         ("Clicks", "count"), ("Click-through rate", "rate")),
        [[labels.segment(entry.segment), rank, labels.page(row.key[0]), row.views, row.figures.impressions,
          row.figures.clicks, row.figures.click_through_rate]
         for entry in top for rank, row in enumerate(entry.pages, start=1)],
    )


# In the order the dashboard shows them; the key is the table's name in its CSV link.
TABLES = {
    "over-time": _over_time, "segments": _segments, "variants": _variants, "channels": _channels,
    "pages": _pages, "reach": _reach, "top-pages": _top_pages,
}


def chart_data(tables: dict[str, Table]) -> dict:
    """What dashboard.js draws: the series over time, and impressions of the ten largest segments."""
    over_time, segments = tables["over-time"], tables["segments"]
    return {
        "labels": [row[0] for row in over_time.rows],
        "impressions": over_time.column("Impressions"),
        "clicks": over_time.column("Clicks"),
        "conversions": over_time.column("Conversions"),
        "ctr": [_percent(value) for value in over_time.column("Click-through rate")],
        "cvr": [_percent(value) for value in over_time.column("Conversion rate")],
        "segments": segments.column("Segment")[:10],
        "segment_impressions": segments.column("Impressions")[:10],
    }


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 3)
