"""Migration 0010 splits the old one-table rollups into the three grains without losing figures."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as every transactional test here

BEFORE = [("personalization", "0011_roles_for_analytics")]
AFTER = [("personalization", "0012_rollup_grains")]
DAY = datetime(2026, 3, 1, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_hour_and_day_rows_become_the_three_grains_and_the_watermark_is_reset():
    apps = migrate(BEFORE)
    try:
        old = apps.get_model("personalization", "EventRollup")
        apps.get_model("personalization", "RollupWatermark").objects.create(name="event-rollups", received_until=DAY)

        def row(granularity, bucket, type_, count, **fields):
            old.objects.create(granularity=granularity, bucket=bucket, channel_id=1, type=type_, count=count, **fields)

        for segment in ("", "gold"):
            row("day", DAY, "impression", 10, segment=segment, page_id=7, variant="a", visitors=4)
            row("day", DAY, "impression", 5, segment=segment, page_id=8, variant="b", visitors=3)
            row("day", DAY, "conversion", 2, segment=segment, page_id=7, value_sum=Decimal("9.50"), visitors=2)
            row("day", DAY, "signup", 1, segment=segment)  # a custom type: fine grain only
            row("hour", DAY + timedelta(hours=9), "impression", 15, segment=segment, page_id=7)
            row("hour", DAY + timedelta(hours=9), "conversion", 2, segment=segment, value_sum=Decimal("9.50"))

        apps = migrate(AFTER)
        fine = apps.get_model("personalization", "EventRollup")
        hours = apps.get_model("personalization", "HourRollup")
        days = apps.get_model("personalization", "SegmentDayRollup")
        assert fine.objects.count() == 8 and set(fine.objects.values_list("bucket", flat=True)) == {DAY}
        figures = ("views", "impressions", "clicks", "conversions", "value_sum")
        assert sorted(hours.objects.values_list("segment", "bucket", *figures)) == [
            (segment, DAY + timedelta(hours=9), 0, 15, 0, 2, Decimal("9.50")) for segment in ("", "gold")
        ]
        every_page = days.objects.filter(page_id__isnull=True).order_by("segment")
        assert list(every_page.values_list("segment", *figures, "visitors")) == [
            (segment, 0, 15, 0, 2, Decimal("9.50"), 7) for segment in ("", "gold")
        ]
        assert sorted(days.objects.filter(segment="gold", page_id__isnull=False)
                      .values_list("page_id", "impressions", "conversions")) == [(7, 10, 2), (8, 5, 0)]
        assert not apps.get_model("personalization", "RollupWatermark").objects.exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
