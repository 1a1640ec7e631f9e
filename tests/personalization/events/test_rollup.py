"""The rollup core against figures worked out by hand, and its purity."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from personalization.events import rollup
from personalization.events.rollup import EventFacts, Rollups, event_segments, rollup_rows


def at(hour: int, minute: int = 0, day: int = 3) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def event(type_="impression", *, visitor="v1", when=None, segments=(), page=7, variant="a", value=None, channel=1):
    return EventFacts(channel, page, list(segments), "hero", variant, "", "", type_, visitor, when or at(9), value)


def fine(rollups, segment="", type_="impression", variant="a", page=7):
    """{bucket: (count, visitors, value_sum)} of the fine rows matching the given dimensions."""
    return {
        row.bucket: (row.count, row.visitors, row.value_sum)
        for row in rollups.fine if (row.segment, row.type, row.variant, row.page_id) == (segment, type_, variant, page)
    }


def hours(rollups, segment=""):
    """{hour: (views, impressions, clicks, conversions, value_sum)} of the hour rows of `segment`."""
    return {row.bucket: tuple(row[3:]) for row in rollups.hours if row.segment == segment}


def days(rollups, segment="", page=None):
    """{day: (views, impressions, clicks, conversions, value_sum, visitors)} of the segment day rows."""
    return {row.bucket: tuple(row[4:]) for row in rollups.segment_days if (row.segment, row.page_id) == (segment, page)}


def test_each_grain_counts_events_distinct_visitors_and_values():
    rollups = rollup_rows([
        event(visitor="v1", when=at(9, 5)),
        event(visitor="v1", when=at(9, 50)),          # same visitor, same hour: 2 events, 1 visitor
        event(visitor="v2", when=at(10, 1)),
        event(visitor="v1", when=at(10, 59)),         # v1 again, next hour: once a day
        event(visitor=None, when=at(10, 30)),         # no consent: counted, nobody
        event("conversion", visitor="v2", when=at(10, 2), value=Decimal("19.90")),
        event("conversion", visitor="v3", when=at(23, 59), value=Decimal("5.10")),
        event("conversion", visitor="v3", when=at(11), value=None),
    ])
    assert fine(rollups) == {at(0): (5, 2, 0)}
    assert fine(rollups, type_="conversion") == {at(0): (3, 2, Decimal("25.00"))}
    assert hours(rollups) == {
        at(9): (0, 2, 0, 0, 0), at(10): (0, 3, 0, 1, Decimal("19.90")), at(11): (0, 0, 0, 1, 0),
        at(23): (0, 0, 0, 1, Decimal("5.10")),
    }
    # Every page (None) and page 7 are the same events here; visitors are those shown an impression (v1, v2).
    assert days(rollups) == days(rollups, page=7) == {at(0): (0, 5, 0, 3, Decimal("25.00"), 2)}
    assert [len(rows) for rows in rollups] == [2, 4, 2]


def test_an_event_counts_once_overall_and_once_under_each_of_its_segments():
    rollups = rollup_rows([
        event(visitor="v1", segments=["fans", "new"]),
        event(visitor="v2", segments=["fans"]),
        event(visitor="v3", segments=["fans", "fans", ""]),  # a repeated key counts once; "" is not a segment
        event(visitor="v4"),
    ])
    assert fine(rollups) == {at(0): (4, 4, 0)}
    assert fine(rollups, segment="fans") == {at(0): (3, 3, 0)}
    assert fine(rollups, segment="new") == {at(0): (1, 1, 0)}
    assert hours(rollups, "fans") == {at(9): (0, 3, 0, 0, 0)}
    assert days(rollups, "new") == {at(0): (0, 1, 0, 0, 0, 1)}
    for grain in rollups:
        assert {row.segment for row in grain} == {"", "fans", "new"}
    assert sum(row.impressions for row in rollups.hours) == 4 + 3 + 1


def test_pages_split_the_segment_grain_and_every_page_is_their_union():
    rollups = rollup_rows([
        event(visitor="v1", page=7), event(visitor="v1", page=8), event(visitor="v2", page=None),
    ])
    assert days(rollups, page=7) == days(rollups, page=8) == {at(0): (0, 1, 0, 0, 0, 1)}
    assert days(rollups, page=0) == {at(0): (0, 1, 0, 0, 0, 1)}  # no page
    assert days(rollups) == {at(0): (0, 3, 0, 0, 0, 2)}  # v1 on two pages is one visitor of the day


def test_the_counted_grains_keep_the_four_types_reach_by_impressions_and_value_by_conversions():
    rollups = rollup_rows([
        event("view", visitor="v1"), event("click", visitor="v2", value=Decimal("3")),
        event("signup", visitor="v3", value=Decimal("7")),  # a custom type: only in the fine grain
        event("impression", visitor="v4"),
    ])
    assert fine(rollups, type_="signup") == {at(0): (1, 1, Decimal("7"))}
    assert fine(rollups, type_="click") == {at(0): (1, 1, Decimal("3"))}
    assert hours(rollups) == {at(9): (1, 1, 1, 0, 0)}
    assert days(rollups) == {at(0): (1, 1, 1, 0, 0, 1)}


def test_every_dimension_splits_fine_rows_and_a_missing_page_is_page_zero():
    rollups = rollup_rows([
        event(variant="a"), event(variant="b"), event(page=None), event(channel=2),
        EventFacts(1, 7, [], "hero", "a", "spring", "b", "impression", "v1", at(9), None),
        EventFacts(1, 7, [], "footer", "a", "", "", "impression", "v1", at(9), None),
    ])
    fine_rows = {(r.channel_id, r.page_id, r.placement, r.variant, r.experiment, r.arm): r.count for r in rollups.fine}
    assert fine_rows == {
        (1, 7, "hero", "a", "", ""): 1, (1, 7, "hero", "b", "", ""): 1, (1, 0, "hero", "a", "", ""): 1,
        (2, 7, "hero", "a", "", ""): 1, (1, 7, "hero", "a", "spring", "b"): 1, (1, 7, "footer", "a", "", ""): 1,
    }
    assert {(row.channel_id, row.impressions) for row in rollups.hours} == {(1, 5), (2, 1)}


def test_buckets_are_utc_whatever_the_timestamps_zone():
    paris = timezone(timedelta(hours=1))
    rollups = rollup_rows([event(when=datetime(2026, 3, 4, 0, 30, tzinfo=paris))])  # 23:30 UTC the day before
    assert hours(rollups) == {at(23): (0, 1, 0, 0, 0)}
    assert fine(rollups) == {at(0): (1, 1, 0)}
    assert days(rollups) == {at(0): (0, 1, 0, 0, 0, 1)}
    assert all(row.bucket.tzinfo is UTC for grain in rollups for row in grain)


def test_several_days_roll_up_separately_and_nothing_in_gives_nothing_out():
    rollups = rollup_rows([event(when=at(9, day=3)), event(when=at(9, day=4)), event(when=at(9, day=4), visitor="v2")])
    assert fine(rollups) == {at(0, day=3): (1, 1, 0), at(0, day=4): (2, 2, 0)}
    assert days(rollups) == {at(0, day=3): (0, 1, 0, 0, 0, 1), at(0, day=4): (0, 2, 0, 0, 0, 2)}
    assert rollup_rows([]) == Rollups([], [], [])


def test_segments_that_are_not_a_list_of_keys_count_only_overall():
    assert event_segments(None) == ()
    assert event_segments("fans") == ()
    assert event_segments(["a", 3, None, "b", "a"]) == ("a", "b")


def test_the_core_imports_only_the_standard_library():
    tree = ast.parse(Path(rollup.__file__).read_text(encoding="utf-8"))
    modules = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    modules += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0]
    assert [name for name in modules if name.split(".")[0] not in sys.stdlib_module_names] == []
