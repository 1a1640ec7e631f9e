"""The compiled ruleset of a process: kept between requests, rebuilt within a second of a
change that another process announced, without a restart."""

import time

import pytest
from django.core.cache import cache

from personalization.models import Segment
from personalization.ruleset_cache import STAMP_CHECK_SECONDS, current_rules, ruleset_changed

pytestmark = pytest.mark.django_db

DEFINITION = {"attribute": "device", "operator": "equals", "value": "mobile"}


@pytest.fixture
def live_segment(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        segment = Segment.objects.create(key="mobile", name="Mobile", priority=10, definition=DEFINITION)
        segment.save_revision().publish()
    return segment


def test_a_change_announced_by_another_process_is_compiled_here_within_a_second(live_segment):
    rules = current_rules()
    assert current_rules() is rules  # shared by every request meanwhile
    # Another process publishes: the row changes and the stamp moves, but this
    # process's own signal handlers never ran, so nothing here was forgotten.
    Segment.objects.filter(pk=live_segment.pk).update(key="handheld")
    ruleset_changed()
    time.sleep(STAMP_CHECK_SECONDS)
    assert current_rules().ruleset.keys == ("handheld",)


def test_a_cache_flush_that_loses_the_stamp_makes_every_process_recompile(live_segment):
    rules = current_rules()
    Segment.objects.filter(pk=live_segment.pk).update(key="handheld")
    cache.clear()  # the stamp is gone: the database's takes over, and differs from the one compiled
    time.sleep(STAMP_CHECK_SECONDS)
    assert current_rules() is not rules
    assert current_rules().ruleset.keys == ("handheld",)
