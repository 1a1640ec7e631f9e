"""Raw events by day: partitions made ahead, whole days dropped past retention (PostgreSQL).

On PostgreSQL `personalization_event` is partitioned by RANGE(occurred_at), one
partition per UTC day named `personalization_event_pYYYYMMDD`, plus a DEFAULT partition
that takes any event whose day has no partition yet, so an insert never fails.
`events_maintain` (hourly, CELERY_BEAT_SCHEDULE) creates the partitions of today and
the next PARTITION_DAYS_AHEAD days and drops every partition wholly older than
EVENTS_RETENTION_DAYS: a purge costs a DROP TABLE, not a DELETE of millions of rows.
On SQLite the table is plain and old rows are deleted. Rollups are never purged.
"""

import logging
import re
from datetime import date, datetime, time, timedelta, timezone

from django.conf import settings
from django.db import connection, transaction

from personalization.events.models import Event

logger = logging.getLogger(__name__)

TABLE = Event._meta.db_table
DEFAULT_PARTITION = f"{TABLE}_default"
PARTITION_DAYS_AHEAD = 7
_DAY_NAME = re.compile(rf"^{TABLE}_p(\d{{8}})$")


def partition_name(day: date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def events_maintain(*, now: datetime | None = None) -> dict:
    """Make the coming days' partitions and purge raw events past retention; say what was done."""
    now = now or datetime.now(timezone.utc)
    # Whole UTC days only, as partitions are: a rebuild of a day must never find it half purged.
    cutoff = _midnight((now - timedelta(days=settings.EVENTS_RETENTION_DAYS)).astimezone(timezone.utc).date())
    if connection.vendor != "postgresql":
        old = Event.objects.filter(occurred_at__lt=cutoff)
        # A raw delete: post_delete receivers other apps connect would have Django load every row first.
        return {"created": [], "dropped": [], "deleted": old._raw_delete(old.db)}
    today = now.astimezone(timezone.utc).date()
    existing = set(day_partitions())
    created = [
        partition_create(day) for day in (today + timedelta(days=n) for n in range(PARTITION_DAYS_AHEAD + 1))
        if day not in existing
    ]
    dropped = [partition_drop(day) for day in sorted(existing) if _midnight(day + timedelta(days=1)) <= cutoff]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DEFAULT_PARTITION} WHERE occurred_at < %s", [cutoff])
        deleted = cursor.rowcount
    result = {"created": created, "dropped": dropped, "deleted": deleted}
    if created or dropped or deleted:
        logger.info("event partitions: %s", result)
    return result


def day_partitions() -> list[date]:
    """The days that have a partition of their own (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass", [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
    return sorted(datetime.strptime(match[1], "%Y%m%d").date() for match in map(_DAY_NAME.match, names) if match)


def partition_create(day: date) -> str:
    """The partition of one UTC day; events of that day already in the default partition move into it."""
    name = partition_name(day)
    start, end = _midnight(day), _midnight(day + timedelta(days=1))
    with transaction.atomic(), connection.cursor() as cursor:
        # Held to the end: no event of that day can reach the default partition while its rows move.
        cursor.execute(f"LOCK TABLE {DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            f"CREATE TEMPORARY TABLE moved_events AS WITH moved AS ("
            f"DELETE FROM {DEFAULT_PARTITION} WHERE occurred_at >= %s AND occurred_at < %s RETURNING *"
            f") SELECT * FROM moved", [start, end],
        )
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)", [start, end])
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM moved_events")
        cursor.execute("DROP TABLE moved_events")
    return name


def partition_drop(day: date) -> str:
    name = partition_name(day)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
    return name
