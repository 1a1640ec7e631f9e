"""Who saw which arm of an experiment, and since when: one row per experiment and visitor.

Exposures come from the delivery API's buffer (server-side) and from events that carry
`experiment`/`arm` (frontend-reported). A visitor's first exposure is what the results
count from: later and repeated exposures change nothing, and one that arrives late but
happened earlier replaces the later one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, models


class ExperimentExposure(models.Model):
    """A visitor's first exposure to an experiment's arm."""

    experiment = models.SlugField(max_length=64, help_text="The experiment's key.")
    arm = models.CharField(max_length=64)
    visitor_id = models.CharField(max_length=128)
    first_at = models.DateTimeField()
    channel_id = models.PositiveIntegerField()

    class Meta:
        app_label = "personalization"
        constraints = [
            models.UniqueConstraint(fields=["experiment", "visitor_id"], name="exposure_experiment_visitor_unique"),
        ]
        indexes = [models.Index(fields=["experiment", "first_at"], name="exposure_experiment_first_idx")]

    def __str__(self) -> str:
        return f"{self.experiment}/{self.arm}: {self.visitor_id}"


def record_exposures(rows: Iterable[tuple[str, str, str, int, datetime]]) -> int:
    """Store exposures (experiment, arm, visitor_id, channel_id, at); the earliest per visitor wins.

    One upsert per batch: a visitor already exposed keeps their row unless this exposure
    happened before it. Rows without a visitor id (no consent) are skipped. Returns how many
    distinct (experiment, visitor) pairs the batch carried.
    """
    earliest: dict[tuple[str, str], tuple[str, str, str, int, datetime]] = {}
    for experiment, arm, visitor_id, channel_id, at in rows:
        if not visitor_id or not experiment:
            continue
        # PostgreSQL refuses an upsert that touches one row twice, so a batch is reduced first.
        key = (experiment, visitor_id)
        if key not in earliest or at < earliest[key][4]:
            earliest[key] = (experiment, arm, visitor_id, channel_id, at)
    if not earliest:
        return 0
    table = connection.ops.quote_name(ExperimentExposure._meta.db_table)
    sql = (
        f"INSERT INTO {table} (experiment, arm, visitor_id, channel_id, first_at) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (experiment, visitor_id) DO UPDATE SET arm = excluded.arm, "
        f"channel_id = excluded.channel_id, first_at = excluded.first_at WHERE excluded.first_at < {table}.first_at"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(e, a, v, c, adapt(at)) for e, a, v, c, at in earliest.values()])
    return len(earliest)
