"""Dashboard queries over rollup rows written by hand, against figures computed by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest

from personalization.events.rates import Figures
from personalization.events.reports import (
    ReportFilter,
    events_by_channel,
    events_by_page,
    events_by_segment,
    events_by_variant,
    events_series,
    events_total,
    placements_and_variants,
    reach_by_segment,
    top_pages_by_segment,
)
from tests.factories.rollups import DAY_ONE, RollupFactory, ServedImpressionFactory

pytestmark = pytest.mark.django_db

WEEK = ReportFilter(start=DAY_ONE, end=DAY_ONE + timedelta(days=7))


def day(n: int):
    return DAY_ONE + timedelta(days=n)


def rollups(*rows: tuple, **common) -> None:
    """(type, count[, extra fields]) rows, each written under "" and under the segments it names."""
    for row in rows:
        kind, count, extra = row[0], row[1], (row[2] if len(row) > 2 else {})
        fields = {**common, **extra}
        segments = fields.pop("segments", ())
        for segment in ("", *segments):
            RollupFactory(type=kind, count=count, segment=segment, **fields)


@pytest.fixture
def week():
    """Two pages, a hero placement with two variants, two segments and two channels."""
    rollups(
        ("impression", 100, {"page_id": 7, "placement": "hero", "variant": "v1", "segments": ["gold"]}),
        ("click", 8, {"page_id": 7, "placement": "hero", "variant": "v1", "segments": ["gold"]}),
        ("conversion", 2, {"page_id": 7, "placement": "hero", "variant": "v1", "segments": ["gold"],
                           "value_sum": Decimal("40.50")}),
        ("impression", 50, {"page_id": 7, "placement": "hero", "variant": "v2", "segments": ["gold", "new"]}),
        ("click", 1, {"page_id": 7, "placement": "hero", "variant": "v2", "segments": ["gold", "new"]}),
        ("view", 30, {"page_id": 9, "segments": ["new"]}),
        bucket=day(0),
    )
    rollups(
        ("impression", 200, {"page_id": 9, "placement": "hero", "variant": "v1", "segments": ["new"], "visitors": 60}),
        ("click", 20, {"page_id": 9, "placement": "hero", "variant": "v1", "segments": ["new"]}),
        ("impression", 40, {"page_id": 7, "channel_id": 2, "segments": ["gold"], "visitors": 10}),
        bucket=day(2),
    )
    RollupFactory(type="impression", count=999, bucket=day(7))  # the day after the range
    RollupFactory(type="impression", count=999, bucket=day(-1))  # the day before


def test_the_series_has_a_point_per_day_with_zeros_and_rates(week):
    series = events_series(WEEK)
    assert [row.key[0] for row in series] == [day(n) for n in range(7)]
    assert series[0].figures == Figures(150, 9, 2, Decimal("40.50"))
    assert series[0].views == 30
    assert series[0].figures.click_through_rate == 0.06 and series[0].figures.conversion_rate == pytest.approx(2 / 150)
    assert series[1].figures == Figures() and series[1].figures.click_through_rate is None
    assert series[2].figures == Figures(240, 20, 0)
    assert events_total(series).figures == Figures(390, 29, 2, Decimal("40.50"))


def test_two_days_read_hour_rollups(week):
    RollupFactory.hour(type="impression", count=5, bucket=day(0) + timedelta(hours=3))
    RollupFactory.hour(type="click", count=1, bucket=day(0) + timedelta(hours=3))
    RollupFactory.hour(type="impression", count=7, bucket=day(1) + timedelta(hours=23))
    series = events_series(ReportFilter(start=day(0), end=day(2)))
    assert len(series) == 48
    assert series[3].figures == Figures(5, 1, 0) and series[47].figures == Figures(7, 0, 0)
    assert sum(row.figures.impressions for row in series) == 12  # the day rows are not read


def test_a_segment_filter_reads_that_segments_rows_only(week):
    series = events_series(ReportFilter(start=DAY_ONE, end=day(7), segment="new"))
    assert series[0].figures == Figures(50, 1, 0) and series[0].views == 30
    assert series[2].figures == Figures(200, 20, 0)


def test_channel_page_and_variant_filters_narrow_every_figure(week):
    assert events_total(events_series(ReportFilter(DAY_ONE, day(7), channel_id=2))).figures == Figures(40, 0, 0)
    assert events_total(events_series(ReportFilter(DAY_ONE, day(7), page_id=9))).figures == Figures(200, 20, 0)
    v1 = ReportFilter(DAY_ONE, day(7), placement="hero", variant="v1")
    assert events_total(events_series(v1)).figures == Figures(300, 28, 2, Decimal("40.50"))
    assert [row.key for row in events_by_segment(v1)] == [("new",), ("gold",)]


def test_breakdown_by_segment_counts_an_event_under_each_segment_it_was_served_for(week):
    rows = {row.key[0]: row for row in events_by_segment(WEEK)}
    assert rows["gold"].figures == Figures(190, 9, 2, Decimal("40.50"))
    assert rows["new"].figures == Figures(250, 21, 0) and rows["new"].views == 30
    assert [row.key[0] for row in events_by_segment(WEEK)] == ["new", "gold"]  # most impressions first
    assert [row.key for row in events_by_segment(ReportFilter(DAY_ONE, day(7), segment="gold"))] == [("gold",)]


def test_breakdown_by_variant_is_per_placement_and_leaves_out_events_without_one(week):
    rows = events_by_variant(WEEK)
    assert [row.key for row in rows] == [("hero", "v1"), ("hero", "v2")]
    assert rows[0].figures == Figures(300, 28, 2, Decimal("40.50"))
    assert rows[0].figures.click_through_rate == pytest.approx(28 / 300)
    assert rows[1].figures == Figures(50, 1, 0)


def test_breakdowns_by_channel_and_page(week):
    assert [(row.key[0], row.figures.impressions) for row in events_by_channel(WEEK)] == [(1, 350), (2, 40)]
    pages = events_by_page(WEEK)
    assert [(row.key[0], row.figures.impressions, row.views) for row in pages] == [(9, 200, 30), (7, 190, 0)]


def test_reach_per_segment_adds_visitors_shown_something_and_bodies_the_server_served(week):
    ServedImpressionFactory(segment="gold", count=500, bucket=day(1) + timedelta(hours=5))
    ServedImpressionFactory(segment="gold", count=20, bucket=day(3), slot="hero", variant="v2")
    ServedImpressionFactory(segment="", count=9000, bucket=day(1))  # everyone: not a segment's reach
    ServedImpressionFactory(segment="gold", count=7, bucket=day(8))  # outside the range
    ServedImpressionFactory(segment="vip", count=3, bucket=day(1))  # served, never reported by a frontend
    reach = reach_by_segment(WEEK)
    assert [(r.segment, r.visitors, r.served) for r in reach] == [("gold", 10, 520), ("vip", 0, 3), ("new", 60, 0)]
    narrowed = reach_by_segment(ReportFilter(DAY_ONE, day(7), placement="hero", variant="v2"))
    assert [(r.segment, r.served) for r in narrowed] == [("gold", 20), ("new", 0)]


def test_top_pages_per_segment_rank_by_views_then_impressions_and_stop_at_the_limit(week):
    rollups(("view", 1, {"page_id": 11, "segments": ["gold"]}), bucket=day(4))
    top = {entry.segment: entry.pages for entry in top_pages_by_segment(WEEK)}
    assert [row.key[0] for row in top["gold"]] == [11, 7]
    assert top["gold"][1].figures == Figures(190, 9, 2, Decimal("40.50"))
    assert [row.key[0] for row in top["new"]] == [9, 7]
    assert [row.key[0] for row in top_pages_by_segment(WEEK, limit=1)[0].pages] == [11]


def test_the_variant_filter_offers_the_pairs_that_have_figures_in_the_range(week):
    RollupFactory(type="impression", placement="sidebar", variant="v9", bucket=day(30))
    assert placements_and_variants(WEEK) == [("hero", "v1"), ("hero", "v2")]


def test_a_two_day_series_with_a_page_or_variant_chosen_is_by_day_from_the_day_grains(week):
    RollupFactory.hour(type="impression", count=5, bucket=day(0) + timedelta(hours=3))  # no page in the hour grain
    by_page = ReportFilter(start=day(0), end=day(2), page_id=9)
    assert by_page.granularity == "day" and ReportFilter(start=day(0), end=day(2)).granularity == "hour"
    assert [(row.key[0], row.views) for row in events_series(by_page)] == [(day(0), 30), (day(1), 0)]
    by_variant = ReportFilter(start=day(0), end=day(2), placement="hero", variant="v2")
    assert [row.figures for row in events_series(by_variant)] == [Figures(50, 1, 0), Figures()]
