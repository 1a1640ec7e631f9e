"""Coverage and the marketer's home in a real browser: from login, the home's tools lead to the
coverage view, which answers "which pages does at-risk change?" and shows the gaps.

Screenshots land in test-output/e2e/coverage-*.png.
"""

from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect

from cms.roles import MARKETERS
from personalization.models import VisitorProfile
from personalization.models.profiles import SegmentMembership
from tests.factories import ChannelFactory, HomePageFactory, LandingPageFactory, SegmentFactory
from tests.factories.personalised import personalised_block
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}


def _catalogue():
    ChannelFactory(slug="web", name="Web")
    ChannelFactory(slug="mobile", name="Mobile")
    at_risk = SegmentFactory(key="at-risk", name="At risk", priority=1, definition=MOBILE)
    gold = SegmentFactory(key="gold", name="Gold", priority=2, definition=MOBILE)
    home = HomePageFactory(title="Home", slug="e2e-home")
    LandingPageFactory(parent=home, title="Winter offer", body=[personalised_block("hero", "Everyone", [([gold], ["web"], "Gold")])])
    LandingPageFactory(parent=home, title="Stay with us", body=[personalised_block("hero", "Everyone", [([at_risk], [], "Please stay")])])
    now = datetime.now(timezone.utc)
    profiles = VisitorProfile.objects.bulk_create(VisitorProfile(visitor_id=f"v{index}") for index in range(20))
    SegmentMembership.objects.bulk_create(SegmentMembership(profile=p, segment="at-risk", entered_at=now) for p in profiles[:8])


def test_a_marketer_goes_from_the_home_to_the_pages_a_segment_changes(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    _catalogue()
    base = live_server.url

    log_in(tab, base, "marketer")
    expect(tab.locator("#tailor-shortcuts-section")).to_contain_text("Analytics")
    expect(tab.locator("#tailor-reach-per-segment-section")).to_contain_text("At risk")
    shot(tab, "coverage-01-marketer-home")

    tab.get_by_placeholder("Search all pages…").fill("Winter")
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("link", name="Winter offer")).to_be_visible()
    expect(tab.locator("body")).not_to_contain_text("permission")
    shot(tab, "coverage-02-search-all-pages")

    tab.goto(f"{base}/admin/")
    tab.locator("#tailor-shortcuts-section").get_by_role("link", name="Coverage").click()
    expect(tab.locator("table.coverage")).to_contain_text("No variant for At risk (8 members)")
    shot(tab, "coverage-03-all-pages")

    tab.select_option("#id_segment", "at-risk")
    tab.get_by_role("button", name="Filter").click()
    expect(tab.locator("table.coverage tbody tr")).to_have_count(1)
    expect(tab.locator("table.coverage")).to_contain_text("Stay with us")
    expect(tab.locator("table.coverage")).not_to_contain_text("Winter offer")
    shot(tab, "coverage-04-pages-at-risk-changes")
