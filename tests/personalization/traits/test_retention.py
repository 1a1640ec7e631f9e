"""Retention: the periodic task removes trait values older than their trait's (or category's) period."""

from datetime import datetime, timedelta, timezone

import pytest
from django.conf import settings

from personalization.models import TraitDefinition, VisitorProfile
from personalization.profiles import profile_upsert
from personalization.traitsync.tasks import traits_retention_task

pytestmark = pytest.mark.django_db
NOW = datetime.now(timezone.utc)


@pytest.fixture
def catalogue(db):
    TraitDefinition.objects.create(name="last_order", type="date", retention_days=30)
    TraitDefinition.objects.create(name="tier", type="string")  # kept for ever
    TraitDefinition.objects.create(name="section", type="string", category="behaviour")


def test_values_past_retention_are_removed_with_their_provenance(catalogue):
    profile_upsert(visitor_id="old", traits={"last_order": "2026-01-01", "tier": "gold"}, now=NOW - timedelta(days=31))
    profile_upsert(visitor_id="young", traits={"last_order": "2026-02-01", "tier": "gold"}, now=NOW - timedelta(days=29))

    result = traits_retention_task.apply().get()

    assert result == {"last_order": 1}
    old = VisitorProfile.objects.get(visitor_id="old")
    assert old.traits == {"tier": "gold"} and old.trait_sources.keys() == {"tier"}
    assert VisitorProfile.objects.get(visitor_id="young").traits == {"last_order": "2026-02-01", "tier": "gold"}


def test_a_value_with_no_recorded_time_counts_as_expired(catalogue):
    profile = profile_upsert(visitor_id="legacy", traits={"tier": "gold"})
    VisitorProfile.objects.filter(pk=profile.pk).update(traits={"tier": "gold", "last_order": "2020-01-01"})

    assert traits_retention_task.apply().get() == {"last_order": 1}
    assert VisitorProfile.objects.get(pk=profile.pk).traits == {"tier": "gold"}


def test_a_category_default_applies_to_traits_without_their_own(catalogue, settings):
    settings.TRAIT_RETENTION_DAYS = {"crm": None, "behaviour": 7}
    profile_upsert(visitor_id="v", traits={"section": "shoes", "tier": "gold"}, now=NOW - timedelta(days=8))

    assert traits_retention_task.apply().get() == {"last_order": 0, "section": 1}
    assert VisitorProfile.objects.get(visitor_id="v").traits == {"tier": "gold"}


def test_the_purge_is_scheduled_hourly():
    entry = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == traits_retention_task.name)
    assert entry["schedule"] == 3600.0
