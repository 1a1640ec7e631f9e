"""Marketer capabilities that complete PRODUCT.md's table in a real browser: switching a segment
off and on from the priority list, and building a segment on another segment (member_of) with a
sticky percentage.

Screenshots land in test-output/e2e/tools-*.png.
"""

import pytest
from playwright.sync_api import Page, expect

from cms.roles import MARKETERS
from personalization.models import Segment
from tests.factories import SegmentFactory
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}


def test_a_marketer_switches_a_segment_off_and_on_from_the_priority_list(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    SegmentFactory(key="mobile", name="Mobile", priority=10, definition=MOBILE)
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/")
    tab.get_by_role("link", name="Priorities").click()
    tab.get_by_role("button", name="Switch off Mobile").click()
    expect(tab.locator(".messages")).to_contain_text("'Mobile' is off.")
    expect(tab.get_by_role("button", name="Switch on Mobile")).to_be_visible()
    shot(tab, "tools-01-switched-off")
    assert Segment.objects.get(key="mobile").enabled is False

    tab.get_by_role("button", name="Switch on Mobile").click()
    expect(tab.locator(".messages")).to_contain_text("'Mobile' is on.")
    shot(tab, "tools-02-switched-on")
    assert Segment.objects.get(key="mobile").enabled is True


def test_a_marketer_builds_a_segment_on_another_segment_with_a_sticky_percentage(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    SegmentFactory(key="mobile", name="Mobile", priority=10, definition=MOBILE)
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/add/")
    tab.fill("#id_name", "Mobile test group")
    tab.fill("#id_key", "mobile-test-group")
    tab.locator("[data-rule-add-condition]").click()
    member = tab.locator("[data-rule-condition]").nth(0)
    member.locator("[data-rule-attribute]").select_option("segment")
    tab.locator("[data-rule-condition]").nth(0).locator("[data-rule-value]").select_option("mobile")
    tab.locator("[data-rule-add-condition]").last.click()
    share = tab.locator("[data-rule-condition]").nth(1)
    share.locator("[data-rule-attribute]").select_option("percentage")
    tab.locator("[data-rule-condition]").nth(1).locator("[data-rule-value]").fill("20")
    expect(tab.locator("[data-rule-builder-status]")).to_have_text("The conditions are valid.")
    shot(tab, "tools-03-member-of-and-percentage")
    tab.locator("footer button.action-save").first.click()
    expect(tab.locator(".messages")).to_contain_text("Mobile test group")
    shot(tab, "tools-04-saved")

    assert Segment.objects.get(key="mobile-test-group").definition == {"all": [
        {"attribute": "segment", "operator": "member_of", "value": "mobile"},
        {"attribute": "percentage", "operator": "percentage_below", "value": 20},
    ]}
