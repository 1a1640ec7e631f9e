"""The transactional outbox (background work recorded in the same transaction as the change)
and the leases of the embedded scheduler's periodic runs."""

from django.db import models
from django.db.models import Q


class OutboxJob(models.Model):
    """One unit of background work: a handler's dotted path and its JSON arguments.

    Written inside the transaction that made the change, so a rolled-back change
    leaves no job and a committed one cannot lose its job to a broker outage.
    """

    handler = models.CharField(max_length=255)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    # Idempotency key, e.g. "renditions:12:<file hash>": at most one job per key waiting to start.
    key = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["done_at", "dispatched_at"], name="outbox_pending_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(done_at__isnull=True), name="outbox_one_pending_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.handler} #{self.pk}"


class PeriodicRun(models.Model):
    """When a CELERY_BEAT_SCHEDULE entry last ran under the embedded scheduler, and where.

    The row is the lease of a tick: a process runs the entry only if its update of
    `last_run_at` from the value it read succeeds, so two serving processes (or two
    hosts on one database) never both run the same tick.
    """

    name = models.CharField(max_length=200, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    # host:pid of the process that claimed the last run, for operators reading the table.
    runner = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name
