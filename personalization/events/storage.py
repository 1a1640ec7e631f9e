"""Raw events written in one INSERT per batch, learning which client ids were new.

`INSERT … ON CONFLICT (channel_id, event_id, occurred_at) DO NOTHING RETURNING event_id`
on PostgreSQL and SQLite alike: the unique constraint decides what is a retry (even
against a concurrent request sending the same batch) and RETURNING says which rows were
stored. No ORM objects are built: at thousands of events per second they would cost
more than the database does.

SQLite gets the rows as a VALUES list. PostgreSQL gets them by COPY into a temporary
table that the INSERT then empties: a VALUES list of 500 rows has 7,000 placeholders
that psycopg parses again for every batch (two thirds of the insert's time when
measured), and array parameters are quoted in Python; COPY's rows are formatted in
psycopg's C code.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection

from personalization.events.models import Event
from personalization.events.validation import ValidEvent

COLUMNS = (
    "channel_id", "event_id", "type", "visitor_id", "occurred_at", "received_at", "page_id", "placement",
    "variant", "experiment", "arm", "segments", "value", "properties",
)
# Well below SQLite's 32,766 bound variables per statement (14 per row).
CHUNK_ROWS = 1000


def events_insert(
    events: Sequence[ValidEvent], *, channel_id: int, received_at: datetime, visitors: Iterable[str]
) -> set[str]:
    """Store the events not stored yet; return the client ids of those stored now.

    `visitors` are the visitor ids that may be kept (behaviour consent); every other
    event is stored with no visitor id. Runs in the caller's transaction.
    """
    visitors = set(visitors)
    ops = connection.ops
    received = ops.adapt_datetimefield_value(received_at)
    rows = [
        (
            channel_id, event.event_id, event.type, event.visitor_id if event.visitor_id in visitors else None,
            ops.adapt_datetimefield_value(event.occurred_at), received, event.page_id, event.placement,
            event.variant, event.experiment, event.arm, json.dumps(event.segments),
            ops.adapt_decimalfield_value(event.value, 16, 4), json.dumps(event.properties),
        )
        for event in events
    ]
    if connection.vendor == "postgresql":
        return _insert_copied(rows)
    stored: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[start:start + CHUNK_ROWS]
            cursor.execute(_insert_sql(len(chunk)), [value for row in chunk for value in row])
            stored.update(event_id for (event_id,) in cursor.fetchall())
    return stored


def _insert_sql(count: int) -> str:
    table = connection.ops.quote_name(Event._meta.db_table)
    row = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    return (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES {', '.join([row] * count)} "
        "ON CONFLICT (channel_id, event_id, occurred_at) DO NOTHING RETURNING event_id"
    )


def _insert_copied(rows: list[tuple]) -> set[str]:
    """COPY into the session's temporary table, then move its rows into the events table (PostgreSQL).

    The move deletes what it reads, so the table is empty after every batch, inside an outer
    transaction too; a rolled back batch rolls its copied rows back with it.
    """
    table = connection.ops.quote_name(Event._meta.db_table)
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        # Asked every time (a fast no-op once made): a rolled back transaction takes a new table with it.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS event_batch AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY event_batch ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"WITH batch AS (DELETE FROM event_batch RETURNING {columns}) "
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM batch "
            "ON CONFLICT (channel_id, event_id, occurred_at) DO NOTHING RETURNING event_id"
        )
        return {event_id for (event_id,) in cursor.fetchall()}
