"""Event storage: declared event types, raw events (append-only), rollups, server-side impressions.

Channels and pages are referenced by id, not by foreign key: events outlive what they
name (a deleted page's history stays in the figures), and a high-volume append-only
table should not pay for constraint checks or block deletes elsewhere.
"""

from django.db import models

BUILT_IN_EVENT_TYPES = ("impression", "click", "conversion", "view")


class PropertyType(models.TextChoices):
    STRING = "string", "Text"
    NUMBER = "number", "Number"
    BOOLEAN = "boolean", "Yes / no"


class EventType(models.Model):
    """An event name frontends may send, with the property keys it may carry.

    The four built-in types exist from the first migration and cannot be removed;
    marketers declare custom ones (e.g. `newsletter_signup`).
    """

    name = models.SlugField(max_length=64, unique=True, help_text="As frontends send it in `type`.")
    label = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    # [{"key": "plan", "type": "string"}, …]: an event may carry only these keys in `properties`.
    properties = models.JSONField(default=list, blank=True)
    built_in = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label or self.name


class Event(models.Model):
    """One thing a visitor did, as a frontend reported it. Append-only.

    On PostgreSQL the table is partitioned by day of `occurred_at`, so retention drops
    whole partitions. `visitor_id` is empty for visitors without `behaviour` consent:
    their events count in the aggregates but are linked to nobody. No IP address is stored.
    """

    id = models.BigAutoField(primary_key=True)
    channel_id = models.PositiveIntegerField()
    event_id = models.CharField(max_length=64, help_text="The client's id: a retried batch is recognised by it.")
    type = models.CharField(max_length=64)
    visitor_id = models.CharField(max_length=128, null=True, blank=True)
    occurred_at = models.DateTimeField(help_text="The client's timestamp, within the accepted window.")
    received_at = models.DateTimeField()
    page_id = models.PositiveIntegerField(null=True, blank=True)
    placement = models.CharField(max_length=128, blank=True, default="", help_text="Placement key or slot.")
    variant = models.CharField(max_length=64, blank=True, default="")
    experiment = models.CharField(max_length=64, blank=True, default="")
    arm = models.CharField(max_length=64, blank=True, default="")
    # Segment keys the visitor was served for (meta.personalization.segments, echoed by the frontend).
    segments = models.JSONField(default=list, blank=True)
    value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    properties = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            # The partition key must be part of any unique constraint on a partitioned table:
            # a retry carries the same timestamp, so (channel, id, timestamp) recognises it.
            models.UniqueConstraint(fields=["channel_id", "event_id", "occurred_at"], name="event_client_id_unique"),
        ]
        indexes = [
            models.Index(fields=["received_at"], name="event_received_idx"),
            models.Index(fields=["occurred_at"], name="event_occurred_idx"),
        ]


class Granularity(models.TextChoices):
    HOUR = "hour", "Hour"
    DAY = "day", "Day"


# Rollups come in three grains, each rebuilt per touched UTC day by the aggregation (one
# statement each on PostgreSQL). The data are sparse: crossing hours with every dimension
# makes about one row per event and segment, so each grain keeps only what its reports
# read, and the reports pick the smallest grain that answers their filters
# (personalization/events/reports.py). None has a unique constraint: a day's rows are
# deleted and inserted again under the watermark row's lock, so a key cannot be written
# twice (tests/personalization/events/test_aggregation.py checks it), and upkeep of a wide
# unique index was most of the aggregation's time.


class EventRollup(models.Model):
    """The fine grain: events per day × channel × page × segment × placement × variant × experiment arm × type.

    `segment` "" is every visitor (each event once); an event served for several segments
    also counts once under each of them. `page_id` 0 is "no page". Every event type,
    custom ones included. `visitors` are distinct per row (exact: a whole day is rebuilt at once).
    """

    bucket = models.DateTimeField(help_text="Start of the day, UTC.")
    channel_id = models.PositiveIntegerField()
    page_id = models.PositiveIntegerField(default=0)
    segment = models.CharField(max_length=64, blank=True, default="")
    placement = models.CharField(max_length=128, blank=True, default="")
    variant = models.CharField(max_length=64, blank=True, default="")
    experiment = models.CharField(max_length=64, blank=True, default="")
    arm = models.CharField(max_length=64, blank=True, default="")
    type = models.CharField(max_length=64)
    count = models.PositiveBigIntegerField(default=0)
    visitors = models.PositiveBigIntegerField(default=0, help_text="Distinct visitors with consent.")
    value_sum = models.DecimalField(max_digits=20, decimal_places=4, default=0)

    class Meta:
        indexes = [
            # The rebuild deletes a day; reports read one segment (or "") over a range.
            models.Index(fields=["bucket"], name="rollup_bucket_idx"),
            models.Index(fields=["segment", "bucket"], name="rollup_segment_idx"),
        ]


class CountedFigures(models.Model):
    """The four counted types side by side (one row instead of four), and conversions' value."""

    channel_id = models.PositiveIntegerField()
    segment = models.CharField(max_length=64, blank=True, default="")
    views = models.PositiveBigIntegerField(default=0)
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    value_sum = models.DecimalField(max_digits=20, decimal_places=4, default=0, help_text="Conversions' values.")

    class Meta:
        abstract = True


class HourRollup(CountedFigures):
    """The hour grain, for short-range series: counted types per hour × channel × segment ("" = everyone)."""

    bucket = models.DateTimeField(help_text="Start of the hour, UTC.")

    class Meta:
        # Series read at most two days of it: one index serves them and the rebuild's delete.
        indexes = [models.Index(fields=["bucket", "segment"], name="hour_rollup_bucket_idx")]


class SegmentDayRollup(CountedFigures):
    """The segment grain: counted types per day × channel × segment ("" = everyone) × page.

    `page_id` NULL is every page, 0 no page. `visitors` are the distinct visitors with
    consent shown an impression: exact per day, channel, segment and page (or every page).
    """

    bucket = models.DateTimeField(help_text="Start of the day, UTC.")
    page_id = models.PositiveIntegerField(null=True, blank=True)
    visitors = models.PositiveBigIntegerField(default=0, help_text="Distinct visitors with consent shown an impression.")

    class Meta:
        indexes = [
            models.Index(fields=["bucket"], name="segment_rollup_bucket_idx"),
            models.Index(fields=["segment", "bucket"], name="segment_rollup_segment_idx"),
        ]


class ServedImpression(models.Model):
    """Personalised bodies the server sent, per hour × channel × page × segment × slot × variant.

    Counted by the delivery API itself (cache hits too) in a per-process buffer and
    added here in batches, so reach is known before any frontend reports an event.
    `segment` "" counts every body once; `page_id` 0 is a listing.
    """

    bucket = models.DateTimeField(help_text="Start of the hour, UTC.")
    channel_id = models.PositiveIntegerField()
    page_id = models.PositiveIntegerField(default=0)
    segment = models.CharField(max_length=64, blank=True, default="")
    slot = models.CharField(max_length=128, blank=True, default="")
    variant = models.CharField(max_length=64, blank=True, default="")
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "channel_id", "page_id", "segment", "slot", "variant"], name="served_impression_unique"
            ),
        ]
        indexes = [models.Index(fields=["bucket"], name="served_bucket_idx")]


class RollupWatermark(models.Model):
    """How far aggregation has read raw events, by `received_at` (one row per aggregation name)."""

    name = models.SlugField(max_length=64, unique=True)
    received_until = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
