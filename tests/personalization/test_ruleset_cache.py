"""The compiled ruleset of a process: kept between requests, rebuilt on the next request after
a change that another process announced or a schedule made, without a restart."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision

from personalization.models import Segment
from personalization.ruleset_cache import current_rules, ruleset_changed, ruleset_stamp_reset
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db

DEFINITION = {"attribute": "device", "operator": "equals", "value": "mobile"}


@pytest.fixture
def live_segment(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return SegmentFactory(key="mobile", priority=10, definition=DEFINITION)


def test_a_change_announced_by_another_process_is_compiled_here_on_the_next_call(live_segment):
    rules = current_rules()
    assert current_rules() is rules  # shared by every request meanwhile
    # Another process publishes: the row changes and the stamp moves, but this
    # process's own signal handlers never ran, so nothing here was forgotten.
    Segment.objects.filter(pk=live_segment.pk).update(key="handheld")
    ruleset_changed()
    assert current_rules().ruleset.keys == ("handheld",)


def test_a_lost_stamp_makes_every_process_recompile(live_segment):
    rules = current_rules()
    Segment.objects.filter(pk=live_segment.pk).update(key="handheld")
    ruleset_stamp_reset()  # file deleted or cache flushed: the next stamp starts above every earlier one
    assert current_rules() is not rules
    assert current_rules().ruleset.keys == ("handheld",)


def test_a_campaign_segment_decides_only_between_its_go_live_and_expiry(django_capture_on_commit_callbacks):
    soon = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        segment = Segment(key="spring", name="Spring", priority=10, definition=DEFINITION, go_live_at=soon, expire_at=soon)
        segment.save()
        segment.save_revision().publish()  # scheduled: not live yet
    assert current_rules().ruleset.keys == ()

    _pass_time_until_go_live(segment.latest_revision)
    _run_scheduler(django_capture_on_commit_callbacks)
    assert current_rules().ruleset.keys == ("spring",)

    Segment.objects.filter(pk=segment.pk).update(expire_at=timezone.now())
    _run_scheduler(django_capture_on_commit_callbacks)
    assert current_rules().ruleset.keys == ()


def _pass_time_until_go_live(revision: Revision) -> None:
    now = timezone.now()
    revision.content["go_live_at"] = now.isoformat()
    revision.approved_go_live_at = now
    revision.save(update_fields=["content", "approved_go_live_at"])


def _run_scheduler(capture_on_commit_callbacks) -> None:
    """What the `cms.publish_scheduled` task does every minute."""
    with capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled", stdout=StringIO())
