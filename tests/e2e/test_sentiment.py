"""A marketer reads the Sentiment page in a real browser and opens what is behind last week's drop.

Screenshots land in test-output/e2e/sentiment-*.png.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cms.roles import MARKETERS
from tests.factories import HomePageFactory
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user
from tests.insight.constructed import feedback_with_a_drop

expect.set_options(timeout=STEP_TIMEOUT_MS)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_marketer_reads_the_sentiment_trends_and_opens_the_drop_explanation(live_server, tab: Page, home):
    role_user("marketer", MARKETERS)
    pages = [HomePageFactory(parent=home, title=title, slug=title.lower()) for title in ("Shop", "Help", "Offers", "Vouchers")]
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=27)
    feedback_with_a_drop(pages[:3], start=start, drop_page=pages[3], per_day=12)

    log_in(tab, live_server.url, "marketer")
    tab.get_by_role("navigation", name="Main menu").get_by_role("link", name="Sentiment").click()
    expect(tab.locator("canvas[data-chart]")).to_have_count(3)
    assert tab.evaluate("() => typeof window.Chart === 'function' && Object.keys(window.Chart.instances).length") == 3
    expect(tab.locator('[data-table="trend"] tbody tr')).to_have_count(28)
    shot(tab, "sentiment-01-daily-trend")

    tab.select_option("#id_period", "week")
    tab.select_option("#id_by", "page")
    tab.get_by_role("button", name="Show").click()
    expect(tab.locator('[data-table="trend"]')).to_contain_text("Vouchers")
    vouchers = tab.locator('[data-table="trend"] tbody tr', has_text="Vouchers")
    expect(vouchers.locator("td").nth(4)).to_have_text("100%")
    shot(tab, "sentiment-02-weekly-by-page")

    tab.locator("[data-explain]").click()
    expect(tab.locator('[data-findings="term"] tbody tr').first).to_have_attribute("data-finding", "voucher")
    expect(tab.locator('[data-findings="page"] tbody tr').first).to_contain_text("Vouchers")
    expect(tab.locator('[data-findings="term"] blockquote').first).to_contain_text("oucher")
    shot(tab, "sentiment-03-what-is-behind-the-drop")
