"""The periodic roll-up through a real Redis broker and a real Celery worker.

The worker is another process, so the events are committed data
(`transaction=True, serialized_rollback=True`).
"""

import random
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db.models import Sum

from personalization.events.aggregation import EPOCH, ROLLUP_FIELDS, WATERMARK
from personalization.events.models import EventRollup, RollupWatermark
from personalization.events.tasks import aggregate_events
from tests.helpers.celery import celery_broker, celery_worker, unique_queue, wait_until
from tests.helpers.events import expected_rows, random_events, stored_rows

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
EVENTS = 2_000


def received_until() -> datetime:
    """How far the rollups are done: the epoch until a run has finished."""
    return RollupWatermark.objects.filter(name=WATERMARK).values_list("received_until", flat=True).first() or EPOCH


def test_a_worker_rolls_up_exactly_the_events_in_and_a_second_run_changes_nothing(tmp_path):
    events = random_events(random.Random(21), EVENTS, days=5, received_at=datetime(2026, 1, 1, tzinfo=UTC))
    queue = unique_queue()
    with celery_broker(settings.TEST_BROKER_URL, queue):
        with celery_worker(settings.TEST_BROKER_URL, queue, tmp_path / "worker.log") as worker:
            aggregate_events.apply_async()  # what beat sends every EVENTS_AGGREGATION_SECONDS
            wait_until(lambda: received_until() > EPOCH, timeout=60, message=worker.log)
            first_watermark = received_until()
            assert stored_rows() == expected_rows(events)
            day_rows = EventRollup.objects.filter(granularity="day", segment="")
            assert day_rows.aggregate(total=Sum("count"))["total"] == EVENTS
            assert day_rows.values("bucket").distinct().count() == 5
            rows = list(EventRollup.objects.order_by("pk").values_list("pk", *ROLLUP_FIELDS))

            aggregate_events.apply_async()
            wait_until(lambda: received_until() > first_watermark, timeout=60, message=worker.log)
            assert list(EventRollup.objects.order_by("pk").values_list("pk", *ROLLUP_FIELDS)) == rows
