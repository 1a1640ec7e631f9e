"""Rollup rows and served impressions as the aggregation and the delivery buffer leave them.

``RollupFactory(type="click", count=3)`` is one fine day row for everyone on channel 1;
it also adds its figures to the segment day grain (its page's row and the every-page row),
as the aggregation would, with `visitors` added up (only raw events could tell distinct
visitors apart). ``RollupFactory.hour(...)`` adds to an hour row of the hour grain.
Buckets are UTC day (or hour) starts.
"""

from datetime import datetime, timedelta, timezone

import factory
from django.db.models import F

from personalization.events.models import EventRollup, HourRollup, SegmentDayRollup, ServedImpression
from personalization.events.rollup import COUNTED_TYPES, REACHED_TYPE, VALUED_TYPE

DAY_ONE = datetime(2026, 3, 1, tzinfo=timezone.utc)
# The counted grains' column of each counted type.
COLUMNS = dict(zip(COUNTED_TYPES, ("views", "impressions", "clicks", "conversions")))


def utc_day(days_ago: int = 0) -> datetime:
    """The start of today's UTC day, or of the day `days_ago` before it: a day bucket."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


def _add(model, keys: dict, type_: str, count: int, value_sum, visitors: int | None = None) -> None:
    row, _ = model.objects.get_or_create(**keys)
    changes = {COLUMNS[type_]: F(COLUMNS[type_]) + count}
    if type_ == VALUED_TYPE:
        changes["value_sum"] = F("value_sum") + value_sum
    if visitors is not None and type_ == REACHED_TYPE:
        changes["visitors"] = F("visitors") + visitors
    model.objects.filter(pk=row.pk).update(**changes)


class RollupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventRollup

    bucket = DAY_ONE
    channel_id = 1
    type = "impression"
    count = 1

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> EventRollup:
        row = super()._create(model_class, *args, **kwargs)
        if row.type in COLUMNS:
            for page_id in (row.page_id, None):
                _add(SegmentDayRollup, {"bucket": row.bucket, "channel_id": row.channel_id, "segment": row.segment,
                                        "page_id": page_id}, row.type, row.count, row.value_sum, row.visitors)
        return row

    @classmethod
    def hour(cls, *, type: str = "impression", count: int = 1, bucket: datetime = DAY_ONE, channel_id: int = 1,
             segment: str = "", value_sum=0) -> None:
        _add(HourRollup, {"bucket": bucket, "channel_id": channel_id, "segment": segment}, type, count, value_sum)


class ServedImpressionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServedImpression

    bucket = DAY_ONE
    channel_id = 1
    count = 1
