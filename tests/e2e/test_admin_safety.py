"""Safe by default and marketers' own tools, in a real browser from login to result: a marketer
defines a channel and finds its key in the rule builder; deleting a segment in use is refused
to the marketer and done by the CCO only through a replacement; an empty rule is saved only
once confirmed; bad values are refused with readable messages beside their condition.

Screenshots land in test-output/e2e/admin-safety-*.png.
"""

import pytest
from playwright.sync_api import Page, expect

from cms.models import Channel
from cms.roles import CHIEF_CONTENT_OFFICER, MARKETERS
from personalization.models import Segment
from tests.factories import SegmentFactory
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_marketer_defines_a_channel_and_the_rule_builder_offers_its_key(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/channels/")
    tab.get_by_role("link", name="Add channel").first.click()
    tab.fill("#id_name", "Shop kiosk")
    tab.fill("#id_slug", "kiosk")
    tab.locator("footer button[type=submit]").first.click()
    expect(tab.locator(".messages")).to_contain_text("Shop kiosk")
    shot(tab, "admin-safety-01-channel-defined")
    assert Channel.objects.filter(slug="kiosk", name="Shop kiosk").exists()

    tab.goto(f"{base}/admin/personalization/segments/add/")
    tab.locator("[data-rule-add-condition]").click()
    condition = tab.locator("[data-rule-condition]").first
    condition.locator("[data-rule-attribute]").select_option("channel")
    expect(condition.locator(".rule-builder__hint")).to_contain_text("kiosk")
    condition.locator("[data-rule-value]").fill("kiosk")
    expect(tab.locator("[data-rule-builder-status]")).to_have_text("The conditions are valid.")
    shot(tab, "admin-safety-02-channel-key-in-builder")


def test_a_segment_in_use_is_refused_to_the_marketer_and_replaced_by_the_cco(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    role_user("cco", CHIEF_CONTENT_OFFICER)
    gold = SegmentFactory(key="gold", name="Gold members",
                          definition={"attribute": "visit_count", "operator": "gte", "value": 5})
    SegmentFactory(key="vip", name="VIP", definition={"attribute": "visit_count", "operator": "gte", "value": 10})
    SegmentFactory(key="at-risk", name="Customers at risk of leaving", definition={"all": [
        {"attribute": "visit_count", "operator": "lt", "value": 2},
        {"not": {"attribute": "segment", "operator": "member_of", "value": "gold"}},
    ]})
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/delete/{gold.pk}/")
    expect(tab.locator(".messages")).to_contain_text(
        "'Gold members' cannot be deleted: it is used by segment 'Customers at risk of leaving'."
    )
    shot(tab, "admin-safety-03-delete-refused")
    assert Segment.objects.filter(pk=gold.pk).exists()

    tab.context.clear_cookies()
    log_in(tab, base, "cco")
    tab.goto(f"{base}/admin/personalization/segments/delete/{gold.pk}/")
    expect(tab).to_have_url(f"{base}/admin/personalization/segments/replace/{gold.pk}/?then=delete")
    expect(tab.locator("[data-segment-dependants]")).to_contain_text("Customers at risk of leaving")
    tab.get_by_label("Replace it with").select_option(label="VIP")
    shot(tab, "admin-safety-04-cco-replacement")
    tab.get_by_role("button", name="Replace and delete").click()
    expect(tab.locator(".messages")).to_contain_text(
        "'VIP' replaced 'Gold members' in segment 'Customers at risk of leaving'; 'Gold members' is deleted."
    )
    shot(tab, "admin-safety-05-replaced-and-deleted")
    assert not Segment.objects.filter(pk=gold.pk).exists()
    at_risk = Segment.objects.get(key="at-risk")
    assert at_risk.definition["all"][1]["not"]["value"] == "vip" and at_risk.live


def test_an_empty_rule_is_saved_only_once_confirmed(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/add/")
    tab.fill("#id_name", "Everyone")
    tab.fill("#id_key", "everyone")
    expect(tab.locator("[data-every-visitor-warning]")).to_contain_text("every visitor matches it")
    tab.locator("footer button.action-save").first.click()
    expect(tab.locator(".messages")).to_contain_text("could not be created")
    expect(tab.locator("[data-every-visitor-warning] ~ *").first).to_contain_text(
        "The rule has no conditions: confirm that every visitor should match."
    )
    tab.locator("[data-every-visitor-warning]").scroll_into_view_if_needed()
    shot(tab, "admin-safety-06-empty-rule-needs-confirming")
    assert not Segment.objects.exists()

    tab.get_by_label("Yes, every visitor should match this segment").check()
    tab.locator("footer button.action-save").first.click()
    expect(tab.locator(".messages")).to_contain_text("Everyone")
    shot(tab, "admin-safety-07-empty-rule-confirmed")
    assert Segment.objects.get(key="everyone").definition == {"all": []}


def test_bad_values_are_refused_with_readable_messages_beside_their_condition(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/add/")
    tab.fill("#id_name", "Germans on phones")
    tab.fill("#id_key", "germans-on-phones")
    tab.locator("[data-rule-add-condition]").click()
    first = tab.locator("[data-rule-condition]").nth(0)
    first.locator("[data-rule-attribute]").select_option("country")
    expect(first.locator("[data-rule-value]")).to_have_attribute("list", "id_definition-values-country")
    first.locator("[data-rule-value]").fill("Germany")
    tab.locator("[data-rule-add-condition]").last.click()
    second = tab.locator("[data-rule-condition]").nth(1)
    second.locator("[data-rule-attribute]").select_option("visit_count")
    second.locator("[data-rule-operator]").select_option("between")
    second.get_by_label("From", exact=True).fill("5")
    second.get_by_label("To", exact=True).fill("2")

    country_issue = "Condition 1: 'Germany' is not a country code: use 'DE' (Germany)"
    between_issue = "Condition 2: 'between' needs two numbers, the smaller first"
    expect(first.locator("[data-rule-issue]")).to_have_text(country_issue)
    expect(second.locator("[data-rule-issue]")).to_have_text(between_issue)
    second.scroll_into_view_if_needed()
    shot(tab, "admin-safety-08-bad-values-inline")

    tab.locator("footer button.action-save").first.click()
    errors = tab.locator("[data-contentpath=definition] [data-field-errors]")
    expect(errors).to_contain_text(country_issue)
    expect(errors).to_contain_text(between_issue)
    expect(errors).not_to_contain_text("all[")
    lines = errors.locator("[data-rule-form-issue]")  # one per line, each once
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_have_text(country_issue)
    expect(lines.nth(1)).to_have_text(between_issue)
    shot(tab, "admin-safety-09-bad-values-form-errors")
    assert not Segment.objects.exists()

    # A sample visitor without its channel: a sentence, not a Python exception.
    tab.locator("[data-rule-condition]").nth(0).locator("[data-rule-value]").fill("DE")
    tab.locator("[data-rule-condition]").nth(1).get_by_label("From", exact=True).fill("2")
    tab.locator("[data-rule-condition]").nth(1).get_by_label("To", exact=True).fill("5")
    expect(tab.locator("[data-rule-builder-status]")).to_have_text("The conditions are valid.")
    tester = tab.locator("[data-segment-tester]")
    tester.locator("[data-segment-tester-context]").fill('{"country": "DE", "visit_count": 3}')
    tester.get_by_role("button", name="Test against this visitor").click()
    expect(tester.locator("[data-segment-tester-result]")).to_contain_text(
        'The sample visitor is not usable: it needs the channel it arrives on, e.g. "channel": "web"'
    )
    expect(tester.locator("[data-segment-tester-result]")).not_to_contain_text("VisitorContext")
    tester.locator("[data-segment-tester-result]").scroll_into_view_if_needed()
    shot(tab, "admin-safety-10-readable-sample-error")
