"""The marketer's dashboard in the admin: who sees it, what its filters accept, what its CSV holds."""

import csv
import io

import pytest
from django.urls import reverse

from cms.roles import CHIEF_CONTENT_OFFICER, DEVELOPERS, EDITORS, MARKETERS
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory, UserFactory
from tests.factories.rollups import RollupFactory, utc_day

pytestmark = pytest.mark.django_db

URL = "/admin/personalization/dashboard/"


@pytest.fixture
def marketer(client):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    return client


@pytest.fixture
def figures(home):
    """Today and 20 days ago, for everyone and for the 'gold' segment, on one page and variant."""
    gold = SegmentFactory(key="gold", name="Gold members")
    web = ChannelFactory(slug="web", name="Web")
    page = LandingPageFactory(parent=home, title="Spring offer")
    for days_ago, impressions, clicks in ((0, 100, 7), (20, 400, 4)):
        for segment in ("", "gold"):
            common = {"bucket": utc_day(days_ago), "segment": segment, "page_id": page.pk,
                      "placement": "hero", "variant": "v2", "channel_id": web.pk}
            RollupFactory(type="impression", count=impressions, visitors=impressions // 2, **common)
            RollupFactory(type="click", count=clicks, **common)
    return {"segment": gold, "page": page, "channel": web}


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("role", [MARKETERS, CHIEF_CONTENT_OFFICER])
def test_marketers_and_the_chief_content_officer_find_the_dashboard_in_the_menu(client, role):
    client.force_login(UserFactory(username="reader", role=role))
    assert URL in client.get(reverse("wagtailadmin_home")).content.decode()
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", [EDITORS, DEVELOPERS])
def test_other_roles_neither_see_nor_open_it(client, role):
    client.force_login(UserFactory(username="other", role=role))
    assert URL not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert client.get(URL).status_code == 302
    assert client.get(URL + "segments.csv").status_code == 302


def test_the_default_range_is_thirty_days_with_every_table_and_the_chart_data(marketer, figures):
    response = marketer.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("over-time", "segments", "variants", "channels", "pages", "reach", "top-pages"):
        assert f'data-table="{name}"' in html and f"{name}.csv?" in html
    assert "Gold members" in html and "Spring offer" in html
    assert "2.20 %" in html  # (7 + 4) clicks / (100 + 400) impressions
    charts = response.context["charts"]
    assert len(charts["labels"]) == 30 and sum(charts["impressions"]) == 500 and charts["segments"] == ["Gold members"]
    assert "personalization/vendor/chart.umd.js" in html and "//cdn" not in html


def test_a_seven_day_range_and_a_segment_filter_change_the_figures(marketer, figures):
    week = marketer.get(URL, {"range": "7", "segment": "gold"})
    assert week.status_code == 200
    over_time = next(t for t in week.context["tables"] if t.name == "over-time")
    assert len(over_time.rows) == 7 and sum(row[2] for row in over_time.rows) == 100


def test_a_custom_range_of_two_days_is_drawn_in_hours(marketer, figures):
    start = utc_day(1).date()
    response = marketer.get(URL, {"range": "custom", "start": start.isoformat(), "end": utc_day().date().isoformat()})
    over_time = next(t for t in response.context["tables"] if t.name == "over-time")
    assert over_time.headers[0] == "Hour" and len(over_time.rows) == 48


@pytest.mark.parametrize("query, field", [
    ({"range": "12"}, "range"),
    ({"range": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
    ({"range": "custom", "start": "2026-03-05", "end": "2026-03-01"}, "__all__"),
    ({"range": "custom", "start": "2020-01-01", "end": "2026-03-01"}, "__all__"),
    ({"range": "custom", "start": "2026-03-01"}, "__all__"),
    ({"segment": "nobody"}, "segment"),
    ({"page": "x"}, "page"),
    ({"page": "99999999999999999999"}, "page"),
    ({"channel": "0"}, "channel"),
    ({"channel": "99999999999999999999"}, "channel"),
    ({"range": "custom", "start": "9999-12-30", "end": "9999-12-31"}, "__all__"),
    ({"variant": "hero|v9"}, "variant"),
])
def test_bad_filter_values_are_form_errors(marketer, figures, query, field):
    for url in (URL, URL + "segments.csv"):
        response = marketer.get(url, query)
        assert response.status_code == 400
        assert field in response.context["form"].errors
        assert "tables" not in response.context


def test_the_csv_of_a_table_has_its_header_and_rows_with_the_same_filters(marketer, figures):
    channel = ChannelFactory(slug="app", name="App")
    RollupFactory(type="impression", count=5, bucket=utc_day(), channel_id=channel.pk)
    response = marketer.get(URL + "variants.csv", {"range": "7", "channel": channel.pk})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    assert read_csv(response) == [
        ["Placement", "Variant", "Views", "Impressions", "Clicks", "Click-through rate", "Conversions",
         "Conversion rate", "Value"],
    ]  # the variant's figures are on channel 1, not on the app
    rows = read_csv(marketer.get(URL + "variants.csv", {"range": "30"}))
    assert rows[1] == ["hero", "v2", "0", "500", "11", "0.022000", "0", "0.000000", "0.00"]
    assert marketer.get(URL + "nothing.csv").status_code == 404


def test_csv_cells_cannot_start_a_formula(marketer, figures):
    figures["segment"].name = "=HYPERLINK(\"http://evil\")"
    figures["segment"].save()
    RollupFactory(type="impression", count=1, bucket=utc_day(), placement="+cmd", variant="-1")
    segments = read_csv(marketer.get(URL + "segments.csv"))
    assert segments[1][0] == "'=HYPERLINK(\"http://evil\")"
    variants = read_csv(marketer.get(URL + "variants.csv"))
    assert ["'+cmd", "'-1"] in [row[:2] for row in variants]
    assert segments[0][0] == "Segment"
