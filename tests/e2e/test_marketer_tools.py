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


def test_a_marketer_submits_a_segment_for_approval_and_the_cco_is_mailed_and_approves(
    live_server, tab: Page, settings, tmp_path
):
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Workflow, WorkflowContentType

    from cms.roles import CHIEF_CONTENT_OFFICER, WORKFLOW_NAME

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    role_user("marketer", MARKETERS)
    cco = role_user("cco", CHIEF_CONTENT_OFFICER)
    cco.email = "cco@example.com"
    cco.save()
    # The CCO has put segments under the approval workflow (Settings → Workflows).
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    WorkflowContentType.objects.create(workflow=workflow, content_type=ContentType.objects.get_for_model(Segment))
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/add/")
    tab.fill("#id_name", "Mobile visitors")
    tab.fill("#id_key", "mobile-visitors")
    tab.locator("[data-rule-add-condition]").click()
    tab.locator("[data-rule-condition]").nth(0).locator("[data-rule-attribute]").select_option("device")
    tab.locator("[data-rule-condition]").nth(0).locator("[data-rule-value]").fill("mobile")
    expect(tab.locator("[data-rule-builder-status]")).to_have_text("The conditions are valid.")
    tab.locator("footer [data-w-dropdown-target=toggle]").first.click()
    tab.get_by_role("button", name=f"Submit to {WORKFLOW_NAME}").click()
    expect(tab.locator(".messages")).to_contain_text("submitted")
    shot(tab, "tools-05-submitted")
    segment = Segment.objects.get(key="mobile-visitors")
    assert segment.workflow_in_progress and not segment.live

    [mail] = list(tmp_path.iterdir())  # the approval request, where a person can read it
    assert "To: cco@example.com" in mail.read_text() and "Mobile visitors" in mail.read_text()

    tab.context.clear_cookies()
    log_in(tab, base, "cco")
    review = tab.locator("#awaiting-review-content")
    expect(review).to_contain_text("Mobile visitors")
    review.get_by_role("button", name="Actions").click()
    shot(tab, "tools-06-cco-to-review")
    with tab.expect_response(lambda response: "/workflow/action/" in response.url):
        review.get_by_role("button", name="Approve", exact=True).click()
    expect(tab.locator("#awaiting-review-content")).to_have_count(0)
    shot(tab, "tools-07-cco-approved")

    segment.refresh_from_db()
    assert segment.live and segment.definition == {"all": [MOBILE]}
    tab.goto(f"{base}/admin/personalization/segments/history/{segment.pk}/")
    expect(tab.locator("main")).to_contain_text("Rules: device type is mobile")
    shot(tab, "tools-08-history-reads-the-rules")
