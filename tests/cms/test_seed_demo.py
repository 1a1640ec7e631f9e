from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.db.models import Sum
from django.test import RequestFactory
from wagtail.models import Site

from cms.demo import demo_counts, demo_password, demo_seed
from cms.models import ArticlePage, LandingPage
from personalization.events.demo import DAYS, DROP_DAYS, DROP_SEGMENT
from personalization.events.models import Event, EventRollup
from personalization.models import Segment


@pytest.mark.django_db
def test_seed_twice_gives_the_same_content_and_reset_starts_over():
    first = demo_seed().counts
    events = Event.objects.count()
    assert first["articles"] >= 20
    assert first["landing pages"] == 3
    assert first["channels"] == 4
    assert demo_seed().counts == first
    assert demo_seed(reset=True).counts == first
    assert demo_counts() == first
    assert Event.objects.count() == events  # the demo's events are written once


@pytest.mark.django_db
def test_demo_site_is_live_with_logins_per_role():
    summary = demo_seed(port=8123)
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific_class.__name__ == "HomePage"
    assert site.root_url == "http://127.0.0.1:8123"  # the API's html_url and detail_url are working links
    assert ArticlePage.objects.live().count() == summary.counts["articles"]
    assert LandingPage.objects.live().count() == 3
    sign_in = RequestFactory().post("/admin/login/")  # login throttling (django-axes) needs the request
    for username in ("editor", "cco", "marketer", "developer", "admin"):
        assert authenticate(sign_in, username=username, password=demo_password(username)) is not None


def day_totals(segment: str, type_: str, since, until) -> int:
    rows = EventRollup.objects.filter(segment=segment, type=type_, bucket__gte=since, bucket__lt=until)
    return rows.aggregate(total=Sum("count"))["total"] or 0


@pytest.mark.django_db
def test_demo_events_are_rolled_up_with_growth_and_a_drop_in_one_segment():
    demo_seed()
    events = Event.objects.count()
    assert 100_000 <= events <= 200_000
    assert EventRollup.objects.filter(segment="").aggregate(total=Sum("count"))["total"] == events
    assert set(Event.objects.values_list("type", flat=True).distinct()) == {"view", "impression", "click", "conversion"}
    assert Event.objects.filter(type="conversion", value__isnull=True).count() == 0

    last = EventRollup.objects.latest("bucket").bucket
    first = last - timedelta(days=DAYS - 1)
    drop_start = last - timedelta(days=DROP_DAYS - 1)
    assert EventRollup.objects.earliest("bucket").bucket == first
    before, after, end = first, drop_start, last + timedelta(days=1)

    def click_through(segment: str, since, until) -> float:
        return day_totals(segment, "click", since, until) / day_totals(segment, "impression", since, until)

    # Traffic grows: the last month has more impressions than the first.
    month = timedelta(days=30)
    assert day_totals("", "impression", end - month, end) > 1.25 * day_totals("", "impression", first, first + month)
    # One segment's click-through falls by more than half in the last weeks; the others hold.
    for segment in Segment.objects.values_list("key", flat=True):
        ratio = click_through(segment, after, end) / click_through(segment, before, after)
        if segment == DROP_SEGMENT:
            assert ratio < 0.5, (segment, ratio)
        else:
            assert 0.7 < ratio < 1.4, (segment, ratio)
