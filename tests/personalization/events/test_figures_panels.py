"""Figures where marketers look: a segment's reach and trend, each variant of a page."""

import pytest
from django.urls import reverse

from cms.roles import CHIEF_CONTENT_OFFICER, EDITORS, MARKETERS
from tests.factories import LandingPageFactory, SegmentFactory, UserFactory
from tests.factories.rollups import RollupFactory, ServedImpressionFactory, utc_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold():
    segment = SegmentFactory(key="gold", name="Gold members")
    RollupFactory(segment="gold", type="impression", count=300, visitors=120, bucket=utc_day(3))
    RollupFactory(segment="gold", type="click", count=15, bucket=utc_day(3))
    RollupFactory(segment="gold", type="impression", count=900, visitors=900, bucket=utc_day(40))  # too old
    ServedImpressionFactory(segment="gold", count=4321, bucket=utc_day(2))
    return segment


def test_a_segments_editor_shows_its_reach_and_daily_trend(client, gold):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    response = client.get(reverse("wagtailsnippets_personalization_segment:edit", args=[gold.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "Reach and trend" in html
    assert "4,321" in html and "120" in html and "5.00 %" in html
    assert "personalization/vendor/chart.umd.js" in html
    assert reverse("personalization_dashboard") + "?range=30&amp;segment=gold" in html
    assert '"impressions": [0' in html and ", 300, 0, 0, 0]" in html


def test_a_new_segment_has_no_figures_panel(client):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    html = client.get(reverse("wagtailsnippets_personalization_segment:add")).content.decode()
    assert "Reach and trend" not in html


@pytest.fixture
def offer(home):
    page = LandingPageFactory(parent=home, title="Spring offer")
    for variant, impressions, clicks in (("v1", 200, 10), ("v2", 100, 12)):
        RollupFactory(page_id=page.pk, placement="hero", variant=variant, type="impression", count=impressions,
                      bucket=utc_day(1))
        RollupFactory(page_id=page.pk, placement="hero", variant=variant, type="click", count=clicks, bucket=utc_day(1))
    RollupFactory(page_id=page.pk + 1, placement="hero", variant="v1", type="impression", count=999, bucket=utc_day(1))
    ServedImpressionFactory(page_id=page.pk, slot="hero", variant="v3", count=77, bucket=utc_day(1))
    return page


def test_a_pages_personalisation_tab_shows_each_variants_figures(client, offer):
    client.force_login(UserFactory(username="cco", role=CHIEF_CONTENT_OFFICER))
    response = client.get(reverse("wagtailadmin_pages:edit", args=[offer.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "Variant figures" in html
    table = html[html.index("Each variant's figures"):]
    rows = table.split("<tr>")[2:5]  # after the header row
    assert "v1" in rows[0] and "200" in rows[0] and "5.00 %" in rows[0] and "999" not in table
    assert "v2" in rows[1] and "12.00 %" in rows[1]
    assert "v3" in rows[2] and "77" in rows[2]


def test_people_who_may_not_read_the_dashboard_do_not_get_the_figures(client, offer):
    client.force_login(UserFactory(username="editor", role=EDITORS))
    response = client.get(reverse("wagtailadmin_pages:edit", args=[offer.pk]))
    assert response.status_code == 200 and "Variant figures" not in response.content.decode()
