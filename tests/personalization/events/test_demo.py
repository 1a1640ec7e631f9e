"""The demo's synthetic events: written once, rolled up even when aggregation already ran past them."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.db.models import Sum

from personalization.events.aggregation import WATERMARK
from personalization.events.demo import demo_events_seed
from personalization.events.models import Event, EventRollup, RollupWatermark

NOW = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_demo_events_are_rolled_up_behind_a_watermark_and_written_once():
    # The periodic run already went past the (backdated) demo events: they must be rebuilt, not missed.
    RollupWatermark.objects.create(name=WATERMARK, received_until=NOW)
    objects = {
        "channels": [SimpleNamespace(pk=pk) for pk in (1, 2)],
        "pages": [SimpleNamespace(pk=pk) for pk in (10, 11, 12)],
        "segments": [SimpleNamespace(key=key) for key in ("gold-members", "mobile-returning", "first-visit")],
        "placements": ("home-hero",),
    }
    written = demo_events_seed(**objects, now=NOW)
    assert written == Event.objects.count() > 100_000
    assert Event.objects.latest("occurred_at").occurred_at < datetime(2026, 6, 1, 12, tzinfo=UTC)  # the last whole hour
    day_rows = EventRollup.objects.filter(segment="")
    assert day_rows.aggregate(total=Sum("count"))["total"] == written
    assert day_rows.values("bucket").distinct().count() == 90
    assert set(Event.objects.values_list("channel_id", flat=True).distinct()) == {1, 2}

    assert demo_events_seed(**objects, now=NOW) == 0
    assert Event.objects.count() == written
