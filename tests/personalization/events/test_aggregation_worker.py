"""The roll-up against real services: a Celery worker on Redis, concurrent runs on PostgreSQL.

The worker and the threads use connections of their own, so the events are committed
data (`transaction=True, serialized_rollback=True`).
"""

import os
import random
import threading
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum

from personalization.events.aggregation import EPOCH, GRAINS, WATERMARK, aggregate_rebuild
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
            day_rows = EventRollup.objects.filter(segment="")
            assert day_rows.aggregate(total=Sum("count"))["total"] == EVENTS
            assert day_rows.values("bucket").distinct().count() == 5
            rows = [list(model.objects.order_by("pk").values_list("pk", *fields)) for model, fields in GRAINS]

            aggregate_events.apply_async()
            wait_until(lambda: received_until() > first_watermark, timeout=60, message=worker.log)
            assert [list(model.objects.order_by("pk").values_list("pk", *fields)) for model, fields in GRAINS] == rows


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="DATABASE_URL is not PostgreSQL")
def test_concurrent_runs_rebuild_a_day_one_after_the_other():
    """Beat's run and an operator's rebuild at once: no error, the same rows, none of them twice
    (no constraint would catch a duplicate: the watermark row's lock must prevent it)."""
    events = random_events(random.Random(9), 1_500, days=4)
    errors = []

    def rebuild() -> None:
        try:
            aggregate_rebuild(since=date(2026, 3, 1), until=date(2026, 3, 31))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=rebuild) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert stored_rows() == expected_rows(events)
