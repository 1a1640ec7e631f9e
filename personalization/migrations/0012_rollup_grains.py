"""Rollups in three grains (fine day, hour, segment day) instead of one table of hours and days.

Existing rollups are kept: the fine grain is the old day rows; the hour and segment grains
are added up from the old hour and day rows (exact counts and values; the segment grain's
visitors are the old per-row sums, as the old reports showed them). Resetting the
watermark makes the next aggregation run rebuild every day that still has raw events, so
those days get exact distinct visitors; older days (purged raw events) keep what they had.
"""

from django.db import migrations, models
from django.db.models import Q, Sum

COUNTED = {"views": "view", "impressions": "impression", "clicks": "click", "conversions": "conversion"}


def split_rollups(apps, schema_editor):
    EventRollup = apps.get_model("personalization", "EventRollup")
    HourRollup = apps.get_model("personalization", "HourRollup")
    SegmentDayRollup = apps.get_model("personalization", "SegmentDayRollup")
    RollupWatermark = apps.get_model("personalization", "RollupWatermark")
    counted = {name: Sum("count", filter=Q(type=type_)) for name, type_ in COUNTED.items()}
    counted["value_sum"] = Sum("value_sum", filter=Q(type="conversion"))
    rows = EventRollup.objects.filter(type__in=COUNTED.values()).order_by()

    def figures(row: dict) -> dict:
        return {name: row[name] or 0 for name in counted}

    HourRollup.objects.bulk_create(
        (HourRollup(bucket=row["bucket"], channel_id=row["channel_id"], segment=row["segment"], **figures(row))
         for row in rows.filter(granularity="hour").values("bucket", "channel_id", "segment").annotate(**counted)),
        batch_size=2_000,
    )
    visitors = Sum("visitors", filter=Q(type="impression"))
    for keys in (("bucket", "channel_id", "segment", "page_id"), ("bucket", "channel_id", "segment")):
        SegmentDayRollup.objects.bulk_create(
            (SegmentDayRollup(bucket=row["bucket"], channel_id=row["channel_id"], segment=row["segment"],
                              page_id=row.get("page_id"), visitors=row["visitors"] or 0, **figures(row))
             for row in rows.filter(granularity="day").values(*keys).annotate(visitors=visitors, **counted)),
            batch_size=2_000,
        )
    # A raw DELETE: the post_delete receivers other apps connect would load every row first.
    hours = EventRollup.objects.filter(granularity="hour")
    hours._raw_delete(schema_editor.connection.alias)
    RollupWatermark.objects.filter(name="event-rollups").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('personalization', '0011_roles_for_analytics'),
    ]

    operations = [
        migrations.CreateModel(
            name='HourRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel_id', models.PositiveIntegerField()),
                ('segment', models.CharField(blank=True, default='', max_length=64)),
                ('views', models.PositiveBigIntegerField(default=0)),
                ('impressions', models.PositiveBigIntegerField(default=0)),
                ('clicks', models.PositiveBigIntegerField(default=0)),
                ('conversions', models.PositiveBigIntegerField(default=0)),
                ('value_sum', models.DecimalField(decimal_places=4, default=0, help_text="Conversions' values.", max_digits=20)),
                ('bucket', models.DateTimeField(help_text='Start of the hour, UTC.')),
            ],
        ),
        migrations.CreateModel(
            name='SegmentDayRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel_id', models.PositiveIntegerField()),
                ('segment', models.CharField(blank=True, default='', max_length=64)),
                ('views', models.PositiveBigIntegerField(default=0)),
                ('impressions', models.PositiveBigIntegerField(default=0)),
                ('clicks', models.PositiveBigIntegerField(default=0)),
                ('conversions', models.PositiveBigIntegerField(default=0)),
                ('value_sum', models.DecimalField(decimal_places=4, default=0, help_text="Conversions' values.", max_digits=20)),
                ('bucket', models.DateTimeField(help_text='Start of the day, UTC.')),
                ('page_id', models.PositiveIntegerField(blank=True, null=True)),
                ('visitors', models.PositiveBigIntegerField(default=0, help_text='Distinct visitors with consent shown an impression.')),
            ],
        ),
        migrations.RunPython(split_rollups, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(
            model_name='eventrollup',
            name='event_rollup_unique',
        ),
        migrations.RemoveIndex(
            model_name='eventrollup',
            name='rollup_page_idx',
        ),
        migrations.RemoveIndex(
            model_name='eventrollup',
            name='rollup_bucket_idx',
        ),
        migrations.RemoveIndex(
            model_name='eventrollup',
            name='rollup_segment_idx',
        ),
        migrations.RemoveField(
            model_name='eventrollup',
            name='granularity',
        ),
        migrations.AlterField(
            model_name='eventrollup',
            name='bucket',
            field=models.DateTimeField(help_text='Start of the day, UTC.'),
        ),
        migrations.AddIndex(
            model_name='eventrollup',
            index=models.Index(fields=['bucket'], name='rollup_bucket_idx'),
        ),
        migrations.AddIndex(
            model_name='eventrollup',
            index=models.Index(fields=['segment', 'bucket'], name='rollup_segment_idx'),
        ),
        migrations.AddIndex(
            model_name='hourrollup',
            index=models.Index(fields=['bucket', 'segment'], name='hour_rollup_bucket_idx'),
        ),
        migrations.AddIndex(
            model_name='segmentdayrollup',
            index=models.Index(fields=['bucket'], name='segment_rollup_bucket_idx'),
        ),
        migrations.AddIndex(
            model_name='segmentdayrollup',
            index=models.Index(fields=['segment', 'bucket'], name='segment_rollup_segment_idx'),
        ),
    ]
