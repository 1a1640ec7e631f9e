"""Aggregation from raw events into rollups: exact, incremental, idempotent and resumable.

These run on the configured database: SQLite streams events through the pure core,
PostgreSQL rolls up in SQL; either way the rows must equal the core's over the same events.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from personalization.events import aggregation
from personalization.events.aggregation import GRAINS, WATERMARK, aggregate_pending, aggregate_rebuild
from personalization.events.models import Event, EventRollup, HourRollup, RollupWatermark, SegmentDayRollup
from personalization.events.reports import (
    ReportFilter, events_by_page, events_by_variant, events_series, reach_by_segment,
)
from personalization.events.tasks import aggregate_events
from tests.helpers.events import NOW, expected_rows, random_events, stored_rows
from tests.helpers.processes import python

pytestmark = pytest.mark.django_db


def watermark() -> datetime:
    return RollupWatermark.objects.get(name=WATERMARK).received_until


def every_row() -> list[list[tuple]]:
    return [list(model.objects.order_by("pk").values_list("pk", *fields)) for model, fields in GRAINS]


def test_rollups_equal_the_core_over_the_same_events_and_a_second_run_changes_nothing():
    events = random_events(random.Random(12), 600)
    result = aggregate_pending(now=NOW)
    assert result["days"] == 3
    assert stored_rows() == expected_rows(events)
    assert result["rows"] == sum(model.objects.count() for model, _ in GRAINS)
    assert watermark() == NOW - timedelta(seconds=30)
    assert sum(EventRollup.objects.filter(segment="").values_list("count", flat=True)) == 600
    for model in (HourRollup, SegmentDayRollup):
        everyone = model.objects.filter(segment="").exclude(page_id__isnull=False) if model is SegmentDayRollup \
            else model.objects.filter(segment="")
        assert sum(sum(row) for row in everyone.values_list("impressions", "clicks", "conversions")) == 600

    before = every_row()
    assert aggregate_pending(now=NOW)["days"] == 0
    assert aggregate_pending(now=NOW + timedelta(minutes=5))["days"] == 0
    assert every_row() == before


# The columns that identify a row of each grain (every field before the figures).
KEYS = {
    EventRollup: ("bucket", "channel_id", "page_id", "segment", "placement", "variant", "experiment", "arm", "type"),
    HourRollup: ("bucket", "channel_id", "segment"),
    SegmentDayRollup: ("bucket", "channel_id", "segment", "page_id"),
}


def test_no_grain_ever_holds_two_rows_of_one_key_though_no_constraint_forbids_it():
    events = random_events(random.Random(21), 400)
    aggregate_pending(now=NOW)
    oldest_day = min(e.occurred_at for e in events).date()
    aggregate_rebuild(since=oldest_day)
    aggregate_rebuild(since=oldest_day)
    for model, keys in KEYS.items():
        counted = Counter(model.objects.values_list(*keys))
        assert counted and max(counted.values()) == 1, model.__name__
    assert stored_rows() == expected_rows(events)


def test_only_events_received_before_the_lag_are_read_and_a_late_event_rebuilds_only_its_day():
    rng = random.Random(3)
    events = random_events(rng, 200)
    aggregate_pending(now=NOW)
    other_days = set(EventRollup.objects.exclude(bucket__date=events[0].occurred_at.date()).values_list("pk", flat=True))

    # Received 10 s ago: inside the 30 s lag, so this run leaves it for the next one.
    late = Event.objects.create(
        channel_id=events[0].channel_id, event_id="late", type="click", visitor_id="late-visitor",
        occurred_at=events[0].occurred_at, received_at=NOW + timedelta(seconds=50), segments=["fans"],
    )
    assert aggregate_pending(now=NOW + timedelta(minutes=1))["days"] == 0
    assert stored_rows() == expected_rows(events)

    result = aggregate_pending(now=NOW + timedelta(minutes=2))
    assert result["days"] == 1
    assert stored_rows() == expected_rows([*events, late])
    # The other days' rows were not rewritten.
    assert other_days <= set(EventRollup.objects.values_list("pk", flat=True))


def test_a_run_that_dies_midway_leaves_correct_days_and_the_next_run_finishes(monkeypatch):
    events = random_events(random.Random(5), 300)
    name = "_rollup_day_sql" if aggregation.connection.vendor == "postgresql" else "_rollup_day_python"
    rollup_day = getattr(aggregation, name)
    done = []

    def dies_on_the_second_day(day, channels):
        if done:
            raise RuntimeError("worker lost")
        done.append(day)
        return rollup_day(day, channels)

    monkeypatch.setattr(aggregation, name, dies_on_the_second_day)
    with pytest.raises(RuntimeError):
        aggregate_pending(now=NOW)
    assert watermark() < NOW - timedelta(days=1)  # not moved
    first_day = [e for e in events if e.occurred_at.replace(hour=0, minute=0, second=0, microsecond=0) == done[0]]
    assert stored_rows() == expected_rows(first_day)  # the finished day is whole, the failed one rolled back

    monkeypatch.undo()
    assert aggregate_pending(now=NOW)["days"] == 3
    assert stored_rows() == expected_rows(events)


def test_rebuild_picks_up_a_backfill_and_keeps_rollups_of_days_whose_raw_events_are_gone():
    rng = random.Random(8)
    events = random_events(rng, 150)
    aggregate_pending(now=NOW)
    # A backfill imported with an old received_at: behind the watermark, so only a rebuild sees it.
    backfill = random_events(rng, 50, received_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert aggregate_pending(now=NOW + timedelta(minutes=1))["days"] == 0
    assert stored_rows() == expected_rows(events)

    oldest_day = min(e.occurred_at for e in events).date()
    assert aggregate_rebuild(since=oldest_day)["days"] == 3
    assert stored_rows() == expected_rows(events + backfill)

    # Retention purges a day of raw events: rebuilding it again must not lose its rollups.
    kept = stored_rows()
    Event.objects.filter(occurred_at__date=oldest_day).delete()
    assert aggregate_rebuild(since=oldest_day, until=oldest_day)["days"] == 0
    assert stored_rows() == kept


def test_the_command_rolls_up_and_rebuilds_and_refuses_bad_arguments(capsys):
    events = random_events(random.Random(2), 80)
    for event in events:  # received long enough ago for a run at the real clock
        event.received_at = datetime(2026, 1, 1, tzinfo=UTC)
    Event.objects.bulk_update(events, ["received_at"])
    call_command("aggregate_events")
    assert stored_rows() == expected_rows(events)
    assert "Rebuilt 3 day(s)" in capsys.readouterr().out

    for model, _ in GRAINS:
        model.objects.all().delete()
    call_command("aggregate_events", "--rebuild", "--since", "2026-03-01", "--until", "2026-03-31")
    assert stored_rows() == expected_rows(events)
    with pytest.raises(CommandError):
        call_command("aggregate_events", "--since", "2026-03-01")
    with pytest.raises(CommandError):
        call_command("aggregate_events", "--rebuild")
    with pytest.raises(CommandError):
        call_command("aggregate_events", "--rebuild", "--since", "2026-03-05", "--until", "2026-03-01")
    with pytest.raises(CommandError):
        call_command("aggregate_events", "--rebuild", "--since", "March")


def test_the_periodic_task_is_scheduled_and_rolls_up(settings):
    assert settings.CELERY_BEAT_SCHEDULE["aggregate-events"] == {
        "task": "personalization.aggregate_events", "schedule": settings.EVENTS_AGGREGATION_SECONDS,
    }
    # A fresh process finds the task the way a worker and the embedded scheduler do.
    found = python("-c", "import django; django.setup(); from config.celery import app; "
                         "app.loader.import_default_modules(); print(app.tasks['personalization.aggregate_events'].name)")
    assert found.stdout.strip() == "personalization.aggregate_events", found.stderr

    events = random_events(random.Random(4), 120, received_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert aggregate_events.apply().get()["days"] == 3
    assert stored_rows() == expected_rows(events)
    assert aggregate_events.apply().get()["days"] == 0


def test_reports_over_aggregated_events_count_a_visitor_once_a_day_across_pages_and_placements():
    seen = [  # (visitor, page, placement, variant, segments)
        ("v1", 3, "hero", "a", ["fans"]), ("v1", 4, "sidebar", "b", ["fans"]), ("v1", 4, "hero", "a", ["fans"]),
        ("v2", 3, "hero", "b", ["fans", "new"]), (None, 3, "hero", "a", ["fans"]),
    ]
    day = NOW.replace(hour=0) - timedelta(days=1)
    Event.objects.bulk_create(
        Event(channel_id=1, event_id=f"e{n}", type="impression", visitor_id=visitor, occurred_at=day + timedelta(hours=n),
              received_at=NOW - timedelta(hours=1), page_id=page, placement=placement, variant=variant,
              segments=segments)
        for n, (visitor, page, placement, variant, segments) in enumerate(seen)
    )
    aggregate_pending(now=NOW)
    report = ReportFilter(day, day + timedelta(days=1))
    assert [(r.segment, r.visitors) for r in reach_by_segment(report)] == [("fans", 2), ("new", 1)]
    assert [(r.segment, r.visitors) for r in reach_by_segment(replace(report, page_id=4))] == [("fans", 1)]
    assert [(row.key, row.figures.impressions) for row in events_by_page(report)] == [((3,), 3), ((4,), 2)]
    assert [(row.key, row.figures.impressions) for row in events_by_variant(report)] == [
        (("hero", "a"), 3), (("hero", "b"), 1), (("sidebar", "b"), 1),
    ]
    hourly = events_series(report)
    assert len(hourly) == 24 and sum(row.figures.impressions for row in hourly) == 5
    assert [row.figures.impressions for row in events_series(replace(report, end=day + timedelta(days=3)))][0] == 5
