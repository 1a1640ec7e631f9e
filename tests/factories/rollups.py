"""Rollup rows and served impressions as the aggregation and the delivery buffer leave them.

``RollupFactory(type="click", count=3)`` is one day row for everyone on channel 1;
``RollupFactory.hour(...)`` an hour row. Buckets are UTC day (or hour) starts.
"""

from datetime import datetime, timedelta, timezone

import factory

from personalization.events.models import EventRollup, Granularity, ServedImpression

DAY_ONE = datetime(2026, 3, 1, tzinfo=timezone.utc)


def utc_day(days_ago: int = 0) -> datetime:
    """The start of today's UTC day, or of the day `days_ago` before it: a day bucket."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


class RollupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventRollup

    granularity = Granularity.DAY
    bucket = DAY_ONE
    channel_id = 1
    type = "impression"
    count = 1

    @classmethod
    def hour(cls, **kwargs) -> EventRollup:
        return cls(granularity=Granularity.HOUR, **kwargs)


class ServedImpressionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServedImpression

    bucket = DAY_ONE
    channel_id = 1
    count = 1
