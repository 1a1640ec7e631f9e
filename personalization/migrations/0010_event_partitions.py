"""On PostgreSQL, raw events become a table partitioned by day of `occurred_at`; SQLite keeps the plain table.

The partitioned table has the same columns; its primary key is (id, occurred_at) and the
idempotency constraint (channel_id, event_id, occurred_at) stays, as PostgreSQL requires the
partition key in both. A DEFAULT partition takes any day without a partition of its own, so
no insert ever fails; the day partitions are made by the periodic `events_maintain`
(personalization.events.partitions). Rows already stored are copied over. Going back leaves
the partitioned table: Django's model reads and writes it the same way.
"""

from django.db import migrations

TO_PARTITIONED = [
    "CREATE TABLE personalization_event_new (LIKE personalization_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    " PARTITION BY RANGE (occurred_at)",
    "CREATE TABLE personalization_event_default PARTITION OF personalization_event_new DEFAULT",
    "INSERT INTO personalization_event_new SELECT * FROM personalization_event",
    "DROP TABLE personalization_event",
    "ALTER TABLE personalization_event_new RENAME TO personalization_event",
    "ALTER TABLE personalization_event ADD CONSTRAINT personalization_event_pkey PRIMARY KEY (id, occurred_at)",
    "ALTER TABLE personalization_event ADD CONSTRAINT event_client_id_unique UNIQUE (channel_id, event_id, occurred_at)",
    "CREATE INDEX event_received_idx ON personalization_event (received_at)",
    "CREATE INDEX event_occurred_idx ON personalization_event (occurred_at)",
    # A sequence default rather than an identity column: PostgreSQL 15 has no identity on partitioned tables.
    "CREATE SEQUENCE personalization_event_id_seq OWNED BY personalization_event.id",
    "SELECT setval('personalization_event_id_seq', COALESCE((SELECT max(id) FROM personalization_event), 0) + 1, false)",
    "ALTER TABLE personalization_event ALTER COLUMN id SET DEFAULT nextval('personalization_event_id_seq')",
]


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'personalization_event'::regclass")
        if cursor.fetchone()[0] == "p":
            return  # partitioned already: migrated forward again after going back (the reverse keeps it)
    for statement in TO_PARTITIONED:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("personalization", "0009_rollup_covering_indexes")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
