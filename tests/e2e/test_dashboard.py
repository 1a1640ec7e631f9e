"""A marketer reads the dashboard in a real browser: filters, date range, charts, CSV export.

Screenshots land in test-output/e2e/dashboard-*.png.
"""

import csv
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cms.roles import MARKETERS
from tests.factories import SegmentFactory
from tests.factories.rollups import RollupFactory, utc_day
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHART_JS = Path(__file__).resolve().parents[2] / "personalization/static/personalization/vendor/chart.umd.js"


def _figures() -> None:
    """Gold: 1,000 impressions 20 days ago and 200 yesterday; new visitors: 50 yesterday."""
    SegmentFactory(key="gold", name="Gold members")
    SegmentFactory(key="new", name="New visitors")
    for days_ago, segment, impressions, clicks in ((20, "gold", 1000, 30), (1, "gold", 200, 10), (1, "new", 50, 5)):
        for under in ("", segment):
            common = {"bucket": utc_day(days_ago), "segment": under, "placement": "hero", "variant": "v1",
                      "page_id": len(segment)}  # one page per segment, so their rows under "" stay apart
            RollupFactory(type="impression", count=impressions, visitors=impressions // 4, **common)
            RollupFactory(type="click", count=clicks, **common)


def _cells(tab: Page, table: str, column: int) -> list[str]:
    return tab.locator(f'[data-table="{table}"] tbody tr td:nth-child({column})').all_inner_texts()


def test_a_marketer_filters_the_dashboard_changes_the_range_and_exports_a_csv(live_server, tab: Page, tmp_path):
    assert CHART_JS.exists(), "Chart.js is installed by `make chartjs` (make test runs it)"
    role_user("marketer", MARKETERS)
    _figures()
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.get_by_role("navigation", name="Main menu").get_by_role("link", name="Analytics").click()
    expect(tab.locator('[data-table="segments"]')).to_contain_text("Gold members")
    # Chart.js, served by the hub, drew the three charts
    expect(tab.locator("canvas[data-chart]")).to_have_count(3)
    assert tab.evaluate("() => typeof window.Chart === 'function' && Object.keys(window.Chart.instances).length") == 3
    assert _cells(tab, "segments", 1) == ["Gold members", "New visitors"]
    assert _cells(tab, "variants", 4) == ["1,250"]
    shot(tab, "dashboard-01-thirty-days")

    tab.select_option("#id_segment", "new")
    tab.get_by_role("button", name="Show").click()
    expect(tab.locator('[data-table="variants"] tbody td:nth-child(4)')).to_have_text(["50"])
    assert _cells(tab, "segments", 1) == ["New visitors"]

    tab.select_option("#id_segment", "")
    tab.select_option("#id_range", "7")
    tab.get_by_role("button", name="Show").click()
    expect(tab.locator('[data-table="variants"] tbody td:nth-child(4)')).to_have_text(["250"])  # day 20 is out
    expect(tab.locator('[data-table="over-time"] tbody tr')).to_have_count(7)
    shot(tab, "dashboard-02-seven-days")

    with tab.expect_download() as download_info:
        tab.locator('[data-table="segments"] a', has_text="CSV").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.reader(path.open()))
    assert download.suggested_filename.startswith("tailor-segments-")
    assert rows[0][:4] == ["Segment", "Key", "Views", "Impressions"]
    assert [row[:5] for row in rows[1:]] == [["Gold members", "gold", "0", "200", "10"], ["New visitors", "new", "0", "50", "5"]]

    tab.select_option("#id_range", "custom")
    tab.fill("#id_start", "2026-03-09")
    tab.fill("#id_end", "2026-03-01")
    tab.get_by_role("button", name="Show").click()
    expect(tab.get_by_role("alert")).to_contain_text("The range ends before it starts.")
    shot(tab, "dashboard-03-form-error")


def test_without_the_chart_script_the_tables_and_csv_links_still_work(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    _figures()
    tab.route("**/chart.umd.js", lambda route: route.abort())
    log_in(tab, live_server.url, "marketer")
    tab.goto(f"{live_server.url}/admin/personalization/dashboard/")
    expect(tab.locator("[data-charts-missing]")).to_be_visible()
    expect(tab.locator("[data-charts]")).to_be_hidden()
    assert _cells(tab, "segments", 1) == ["Gold members", "New visitors"]
    shot(tab, "dashboard-04-no-charts")
