"""The global holdout's lift: constructed events with known rates give the known lift and interval."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from cms.roles import MARKETERS
from personalization.engine import in_global_holdout
from personalization.events.models import Event
from personalization.events.reports import ReportFilter
from personalization.experiments.holdout import HELD_OUT, PERSONALISED, holdout_lift, lift_from_visitors
from tests.factories import UserFactory
from tests.helpers.experiments import event as channel_one_event

pytestmark = pytest.mark.django_db

SHARE = 0.5
DAY = datetime(2026, 3, 2, 12, tzinfo=UTC)
REPORT = ReportFilter(start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 3, 8, tzinfo=UTC))


def visitors_in(group_held: bool, n: int, prefix: str) -> list[str]:
    """The first n visitor ids the sticky hash puts in (or out of) the holdout."""
    found, i = [], 0
    while len(found) < n:
        visitor = f"{prefix}{i}"
        if in_global_holdout(visitor, SHARE) == group_held:
            found.append(visitor)
        i += 1
    return found


def event(visitor, when, type_, *, channel_id=1) -> Event:
    built = channel_one_event(visitor, when, type_)
    built.channel_id = channel_id
    return built


def constructed_events(*, when=DAY, channel_id=1) -> list[Event]:
    """100 held-out visitors of whom 10 convert, 100 personalised of whom 20 convert; every visitor views twice."""
    events = []
    for held, converting in ((True, 10), (False, 20)):
        for index, visitor in enumerate(visitors_in(held, 100, f"{'h' if held else 'p'}{channel_id}-")):
            events += [event(visitor, when, "view", channel_id=channel_id), event(visitor, when + timedelta(hours=1), "view", channel_id=channel_id)]
            if index < converting:
                # Converting twice still makes one converted visitor.
                events.append(event(visitor, when, "conversion", channel_id=channel_id))
                events.append(event(visitor, when + timedelta(hours=2), "conversion", channel_id=channel_id))
    return events


def test_known_rates_give_the_known_lift_and_wald_interval(settings):
    settings.PERSONALIZATION_GLOBAL_HOLDOUT = SHARE
    Event.objects.bulk_create(constructed_events())
    found = holdout_lift(REPORT)
    assert (found.held_out.n, found.held_out.total) == (100, 10)
    assert (found.personalised.n, found.personalised.total) == (100, 20)
    lift = found.lift
    assert lift.uplift_abs == pytest.approx(0.10)
    # Unpooled interval by hand: se = sqrt(.1·.9/100 + .2·.8/100) = 0.05, half-width 1.959964·0.05.
    assert lift.ci == pytest.approx((0.10 - 0.0979982, 0.10 + 0.0979982), abs=1e-6)
    # Pooled z test by hand: p̂ = 0.15, se = sqrt(.15·.85·2/100) = 0.0504975, z = 1.980295, p = 0.04767.
    assert lift.p_value == pytest.approx(0.04767, abs=1e-4)
    assert not found.analysis.srm.mismatch


def test_events_outside_the_range_or_channel_and_anonymous_ones_are_not_counted(settings):
    settings.PERSONALIZATION_GLOBAL_HOLDOUT = SHARE
    Event.objects.bulk_create(
        constructed_events()
        + constructed_events(when=DAY + timedelta(days=30))
        + constructed_events(channel_id=2)
        + [event(None, DAY, "conversion"), event("", DAY, "conversion")]
    )
    found = holdout_lift(ReportFilter(REPORT.start, REPORT.end, channel_id=1))
    assert (found.held_out.n, found.personalised.n) == (100, 100)
    assert (found.held_out.total, found.personalised.total) == (10, 20)
    every_channel = holdout_lift(REPORT)
    assert (every_channel.held_out.n, every_channel.personalised.n) == (200, 200)


def test_no_share_means_no_comparison(settings):
    settings.PERSONALIZATION_GLOBAL_HOLDOUT = 0.0
    Event.objects.bulk_create(constructed_events())
    assert holdout_lift(REPORT) is None
    assert lift_from_visitors([("v1", True)], 0.0) is None


def test_groups_off_the_configured_share_are_flagged():
    # Everyone in the personalised group while a 50 % holdout is configured: delivery is broken.
    visitors = [(v, False) for v in visitors_in(False, 500, "x")]
    found = lift_from_visitors(visitors, SHARE)
    assert found.held_out.n == 0 and found.analysis.srm.mismatch
    assert found.analysis.arm(PERSONALISED).uplift_abs is None
    assert found.analysis.control == HELD_OUT


URL = "/admin/personalization/dashboard/"


@pytest.fixture
def marketer(client):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    return client


def test_the_dashboard_says_when_no_holdout_is_configured(marketer, settings):
    settings.PERSONALIZATION_GLOBAL_HOLDOUT = 0.0
    html = marketer.get(URL).content.decode()
    assert "data-no-holdout" in html and "No holdout configured" in html


def test_the_dashboard_shows_each_group_and_the_lift(marketer, settings):
    settings.PERSONALIZATION_GLOBAL_HOLDOUT = SHARE
    Event.objects.bulk_create(constructed_events(when=timezone.now() - timedelta(days=1)))
    html = marketer.get(URL).content.decode()
    assert "data-no-holdout" not in html
    assert '<tr data-group="holdout"><td>Held out (default content)</td><td>100</td><td>10</td><td>10.00 %</td></tr>' in html
    assert '<tr data-group="personalised"><td>Personalised</td><td>100</td><td>20</td><td>20.00 %</td></tr>' in html
    assert "Lift of personalisation: 10.00 percentage points (95 % confidence interval 0.20 to 19.80, p = 0.0477)." in html
