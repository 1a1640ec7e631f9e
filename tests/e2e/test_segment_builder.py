"""A marketer builds a segment with the rule builder in a real browser: a bad value is caught
beside its condition and by the form, a sample visitor is tested, the segment is saved.

Screenshots of each step land in test-output/e2e/segment-*.png.
"""

import pytest
from playwright.sync_api import Locator, Page, expect

from cms.roles import MARKETERS
from personalization.models import Segment, TraitDefinition, VisitorProfile
from tests.factories import SegmentFactory
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

EXPECTED = {"all": [
    {"attribute": "device", "operator": "equals", "value": "mobile"},
    {"attribute": "visit_count", "operator": "gte", "value": 2},
]}
BAD_VALUE_ISSUE = "Condition 2: 'gte' needs a number, got 'two'"
expect.set_options(timeout=STEP_TIMEOUT_MS)

# A live server needs committed data; serialized_rollback restores the groups, root page
# and workflow that the data migrations made, which a plain transactional flush would lose.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def condition(tab: Page, index: int) -> Locator:
    return tab.locator("[data-rule-condition]").nth(index)


def test_a_marketer_builds_tests_and_saves_a_segment(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    for visitor, visits in (("v-loyal", 4), ("v-back", 2), ("v-new", 1)):
        VisitorProfile.objects.create(visitor_id=visitor, visit_count=visits, consent=["behaviour"])
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/")
    tab.get_by_role("link", name="Add segment").first.click()
    expect(tab.locator("[data-rule-builder-tree]")).to_be_visible()  # the builder replaced the textarea
    tab.fill("#id_name", "Mobile returning")
    tab.fill("#id_key", "mobile-returning")

    # device equals mobile
    tab.locator("[data-rule-add-condition]").click()
    condition(tab, 0).locator("[data-rule-attribute]").select_option("device")
    condition(tab, 0).locator("[data-rule-value]").fill("mobile")
    # AND visit count is at least … typed wrong first
    tab.locator("[data-rule-add-condition]").last.click()
    condition(tab, 1).locator("[data-rule-attribute]").select_option("visit_count")
    condition(tab, 1).locator("[data-rule-operator]").select_option("gte")
    condition(tab, 1).locator("[data-rule-value]").fill("two")
    expect(condition(tab, 1).locator("[data-rule-issue]")).to_have_text(BAD_VALUE_ISSUE)
    expect(condition(tab, 0).locator("[data-rule-issue]")).to_have_count(0)
    shot(tab, "segment-01-bad-value-inline")

    # Saving anyway: the form refuses, naming the condition, and the builder shows it in place.
    tab.locator("footer button.action-save").first.click()
    expect(tab.locator("[data-contentpath=definition] [data-field-errors]")).to_contain_text(BAD_VALUE_ISSUE)
    expect(condition(tab, 1).locator("[data-rule-issue]")).to_have_text(BAD_VALUE_ISSUE)
    shot(tab, "segment-02-bad-value-form-error")
    assert not Segment.objects.exists()

    condition(tab, 1).locator("[data-rule-value]").fill("2")
    expect(tab.locator("[data-rule-builder-status]")).to_have_text("The conditions are valid.")
    expect(tab.locator("[data-rule-issue]")).to_have_count(0)

    # Test against the sample visitor the panel starts with (mobile, 3 visits, consent given).
    tester = tab.locator("[data-segment-tester]")
    tester.get_by_role("button", name="Test against this visitor").click()
    expect(tester.locator("[data-verdict]")).to_have_text("✔ Matched: this visitor is in the segment.")
    explanation = tester.locator("[data-explanation] li")
    expect(explanation).to_have_count(2)
    expect(explanation.nth(0)).to_contain_text('✔ device equals "mobile"')
    expect(explanation.nth(1)).to_contain_text("✔ visit_count is at least / from 2 — the visitor's: 3")
    expect(tester.locator("[data-reach]")).to_contain_text("2 of 3 profiles")
    shot(tab, "segment-03-tested")

    tab.locator("footer button.action-save").first.click()
    expect(tab.locator(".messages")).to_contain_text("Mobile returning")
    shot(tab, "segment-04-saved")

    segment = Segment.objects.get(key="mobile-returning")
    assert segment.name == "Mobile returning"
    assert segment.definition == EXPECTED
    assert segment.latest_revision.content["definition"] == EXPECTED
    assert segment.created_by.username == "marketer"


NESTED = {"all": [
    {"any": [
        {"attribute": "country", "operator": "in", "value": ["GB", "IE"]},
        {"not": {"attribute": "device", "operator": "equals", "value": "tablet"}},
    ]},
    {"attribute": "local_time", "operator": "time_between", "value": ["09:00", "17:00"], "timezone": "Europe/London"},
    {"attribute": "day_of_week", "operator": "day_of_week_in", "value": ["monday", "friday"]},
    {"attribute": "trait.tier", "operator": "equals", "value": "gold"},
    {"attribute": "events", "operator": "done_within_days", "value": {"event": "conversion", "days": 30}},
    {"attribute": "visit_count", "operator": "between", "value": [2, 5]},
]}


def add_condition(tab: Page, group: Locator, attribute: str, operator: str | None = None) -> Locator:
    """Add a condition to `group` (its own button is the last in it) and pick its attribute."""
    group.locator("[data-rule-add-condition]").last.click()
    added = group.locator("[data-rule-condition]").last
    added.locator("[data-rule-attribute]").select_option(attribute)
    if operator:
        group.locator("[data-rule-condition]").last.locator("[data-rule-operator]").select_option(operator)
    return group.locator("[data-rule-condition]").last


def test_the_builder_writes_nested_groups_and_typed_values(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold", "silver"])
    base = live_server.url
    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/add/")
    tab.fill("#id_name", "Weekday office hours")
    tab.fill("#id_key", "office-hours")
    root = tab.locator("[data-rule-group=all]").first

    root.locator("[data-rule-add-group]").last.click()  # an "any" group inside the "all"
    either = tab.locator("[data-rule-group=any]")
    add_condition(tab, either, "country", "in").locator("[data-rule-value]").fill("GB, IE")
    add_condition(tab, either, "device").locator("[data-rule-value]").fill("tablet")
    either.locator("[data-rule-condition]").last.get_by_role("button", name="Negate").click()
    expect(tab.locator("[data-rule-not] [data-rule-condition]")).to_have_count(1)

    hours = add_condition(tab, root, "local_time")
    hours.get_by_label("From", exact=True).fill("09:00")
    hours.get_by_label("To", exact=True).fill("17:00")
    hours.get_by_label("Time zone", exact=True).fill("Europe/London")
    days = add_condition(tab, root, "day_of_week")
    for day in ("monday", "friday"):
        days.locator("label", has_text=day).locator("input").check()
    add_condition(tab, root, "trait.tier").locator("[data-rule-value]").select_option("gold")
    add_condition(tab, root, "events").get_by_label("event", exact=True).fill("conversion")
    visits = add_condition(tab, root, "visit_count", "between")
    visits.get_by_label("From", exact=True).fill("2")
    visits.get_by_label("To", exact=True).fill("5")

    expect(tab.locator("[data-rule-builder-status]")).to_have_text("The conditions are valid.")
    shot(tab, "segment-07-nested-builder")
    tab.locator("footer button.action-save").first.click()
    expect(tab.locator(".messages")).to_contain_text("Weekday office hours")
    assert Segment.objects.get(key="office-hours").definition == NESTED


def test_a_marketer_drags_segments_into_priority_order(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    for key, priority in (("mobile", 10), ("returning", 20), ("vip", 30)):
        SegmentFactory(key=key, name=key.title(), priority=priority, definition=EXPECTED)
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/")
    tab.get_by_role("link", name="Priorities").click()
    rows = tab.locator("[data-segment-row]")
    expect(rows).to_have_count(3)
    rows.filter(has_text="Vip").locator(".segment-priorities__grip").drag_to(rows.filter(has_text="Mobile"))
    expect(rows.nth(0)).to_contain_text("Vip")
    shot(tab, "segment-05-priorities-dragged")
    tab.get_by_role("button", name="Save order").click()
    expect(tab.locator(".messages")).to_contain_text("Priorities saved")
    shot(tab, "segment-06-priorities-saved")

    assert list(Segment.objects.order_by("priority").values_list("key", "priority")) == [
        ("vip", 10), ("mobile", 20), ("returning", 30),
    ]
