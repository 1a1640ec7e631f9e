"""Raw event retention: day partitions on PostgreSQL (made ahead, dropped whole), row deletes on SQLite."""

import os
from datetime import datetime, timedelta, timezone

import pytest
from django.conf import settings
from django.db import connection

from personalization.events.partitions import (
    DEFAULT_PARTITION, day_partitions, events_maintain, partition_drop, partition_name,
)
from personalization.models import Event, EventRollup
from personalization.events.tasks import events_maintain_task

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)
postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs DATABASE_URL on PostgreSQL"
)


def store(event_id: str, occurred_at: datetime) -> Event:
    return Event.objects.create(channel_id=1, event_id=event_id, type="click", occurred_at=occurred_at,
                                received_at=occurred_at)


def rows_in(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT event_id FROM {table}")
        return {event_id for (event_id,) in cursor.fetchall()}


@pytest.mark.django_db
def test_the_periodic_task_is_scheduled_and_purges_old_raw_events_but_never_rollups(settings):
    from config.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["events-partitions"]["task"] == events_maintain_task.name
    app.loader.import_default_modules()  # as beat and the embedded scheduler find tasks by name
    assert events_maintain_task.name in app.tasks
    retention = timedelta(days=settings.EVENTS_RETENTION_DAYS)
    store("old", NOW - retention - timedelta(days=2))
    store("new", NOW - retention + timedelta(hours=1))
    # Past retention, but its UTC day is not: whole days go, as whole partitions do on PostgreSQL.
    store("same-day", (NOW - retention).replace(hour=0, minute=0, second=0, microsecond=0))
    EventRollup.objects.create(bucket=NOW - retention - timedelta(days=2), channel_id=1, type="click", count=1)
    events_maintain(now=NOW)
    assert set(Event.objects.values_list("event_id", flat=True)) == {"new", "same-day"}
    assert EventRollup.objects.count() == 1


@postgresql
@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_partitions_are_made_ahead_dropped_whole_and_a_day_without_one_lands_in_the_default():
    for day in day_partitions():  # made by earlier tests (DDL outlives their flush): start with none
        partition_drop(day)
    now = datetime.now(timezone.utc)
    retention = timedelta(days=settings.EVENTS_RETENTION_DAYS)
    far_past = (now - retention - timedelta(days=3)).date()
    created = events_maintain(now=now - retention - timedelta(days=3))["created"]  # as it ran back then
    assert partition_name(far_past) in created
    store("expired", now - retention - timedelta(days=3))
    store("unpartitioned", now - timedelta(days=30))  # no partition for that day: the default takes it
    store("today", now)
    assert rows_in(partition_name(far_past)) == {"expired"}
    assert rows_in(DEFAULT_PARTITION) >= {"unpartitioned", "today"}

    result = events_maintain_task.apply().get()  # the periodic task, as beat runs it, at the real time
    days = day_partitions()
    assert [now.date() + timedelta(days=n) for n in range(8)] == [d for d in days if d >= now.date()]
    assert partition_name(far_past) in result["dropped"] and far_past not in days
    assert rows_in(partition_name(now.date())) == {"today"}  # moved out of the default
    assert set(Event.objects.values_list("event_id", flat=True)) == {"unpartitioned", "today"}
    assert events_maintain(now=now) == {"created": [], "dropped": [], "deleted": 0}  # nothing left to do
