"""The rollup core against figures worked out by hand, and its purity."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from personalization.events import rollup
from personalization.events.rollup import DAY, HOUR, EventFacts, event_segments, rollup_rows


def at(hour: int, minute: int = 0, day: int = 3) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def event(type_="impression", *, visitor="v1", when=None, segments=(), page=7, variant="a", value=None, channel=1):
    return EventFacts(channel, page, list(segments), "hero", variant, "", "", type_, visitor, when or at(9), value)


def figures(rows, granularity, segment="", type_="impression", variant="a", page=7):
    """{bucket: (count, visitors, value_sum)} of the rows matching the given dimensions."""
    return {
        row.bucket: (row.count, row.visitors, row.value_sum)
        for row in rows
        if (row.granularity, row.segment, row.type, row.variant, row.page_id) == (granularity, segment, type_, variant, page)
    }


def test_hours_and_days_count_events_distinct_visitors_and_values():
    rows = rollup_rows([
        event(visitor="v1", when=at(9, 5)),
        event(visitor="v1", when=at(9, 50)),          # same visitor, same hour: 2 events, 1 visitor
        event(visitor="v2", when=at(10, 1)),
        event(visitor="v1", when=at(10, 59)),         # v1 again, next hour: a visitor of both hours, once a day
        event(visitor=None, when=at(10, 30)),         # no consent: counted, nobody
        event("conversion", visitor="v2", when=at(10, 2), value=Decimal("19.90")),
        event("conversion", visitor="v3", when=at(23, 59), value=Decimal("5.10")),
        event("conversion", visitor="v3", when=at(11), value=None),
    ])
    assert figures(rows, HOUR) == {at(9): (2, 1, 0), at(10): (3, 2, 0)}
    assert figures(rows, DAY) == {at(0): (5, 2, 0)}
    assert figures(rows, HOUR, type_="conversion") == {
        at(10): (1, 1, Decimal("19.90")), at(11): (1, 1, 0), at(23): (1, 1, Decimal("5.10")),
    }
    assert figures(rows, DAY, type_="conversion") == {at(0): (3, 2, Decimal("25.00"))}
    assert len(rows) == 2 + 1 + 3 + 1


def test_an_event_counts_once_overall_and_once_under_each_of_its_segments():
    rows = rollup_rows([
        event(visitor="v1", segments=["fans", "new"]),
        event(visitor="v2", segments=["fans"]),
        event(visitor="v3", segments=["fans", "fans", ""]),  # a repeated key counts once; "" is not a segment
        event(visitor="v4"),
    ])
    assert figures(rows, DAY) == {at(0): (4, 4, 0)}
    assert figures(rows, DAY, segment="fans") == {at(0): (3, 3, 0)}
    assert figures(rows, DAY, segment="new") == {at(0): (1, 1, 0)}
    assert {row.segment for row in rows} == {"", "fans", "new"}
    assert sum(row.count for row in rows if row.granularity == HOUR) == 4 + 3 + 1


def test_every_dimension_splits_rows_and_a_missing_page_is_page_zero():
    rows = rollup_rows([
        event(variant="a"), event(variant="b"), event(page=None), event(channel=2),
        EventFacts(1, 7, [], "hero", "a", "spring", "b", "impression", "v1", at(9), None),
        EventFacts(1, 7, [], "footer", "a", "", "", "impression", "v1", at(9), None),
    ])
    day_rows = {(r.channel_id, r.page_id, r.placement, r.variant, r.experiment, r.arm): r.count for r in rows if r.granularity == DAY}
    assert day_rows == {
        (1, 7, "hero", "a", "", ""): 1, (1, 7, "hero", "b", "", ""): 1, (1, 0, "hero", "a", "", ""): 1,
        (2, 7, "hero", "a", "", ""): 1, (1, 7, "hero", "a", "spring", "b"): 1, (1, 7, "footer", "a", "", ""): 1,
    }


def test_buckets_are_utc_whatever_the_timestamps_zone():
    paris = timezone(timedelta(hours=1))
    rows = rollup_rows([event(when=datetime(2026, 3, 4, 0, 30, tzinfo=paris))])  # 23:30 UTC the day before
    assert figures(rows, HOUR) == {at(23): (1, 1, 0)}
    assert figures(rows, DAY) == {at(0): (1, 1, 0)}
    assert all(row.bucket.tzinfo is UTC for row in rows)


def test_several_days_roll_up_separately_and_nothing_in_gives_nothing_out():
    rows = rollup_rows([event(when=at(9, day=3)), event(when=at(9, day=4)), event(when=at(9, day=4), visitor="v2")])
    assert figures(rows, DAY) == {at(0, day=3): (1, 1, 0), at(0, day=4): (2, 2, 0)}
    assert rollup_rows([]) == []


def test_segments_that_are_not_a_list_of_keys_count_only_overall():
    assert event_segments(None) == ()
    assert event_segments("fans") == ()
    assert event_segments(["a", 3, None, "b", "a"]) == ("a", "b")


def test_the_core_imports_only_the_standard_library():
    tree = ast.parse(Path(rollup.__file__).read_text(encoding="utf-8"))
    modules = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    modules += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0]
    assert [name for name in modules if name.split(".")[0] not in sys.stdlib_module_names] == []
