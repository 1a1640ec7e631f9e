"""A marketer sees which live segments are left out of decisions and why, and is stopped
from deleting a segment that another one uses, in a real browser.

Screenshots land in test-output/e2e/safety-*.png.
"""

import pytest
from playwright.sync_api import Page, expect

from cms.roles import MARKETERS
from personalization.models import Segment, TraitDefinition
from tests.factories import SegmentFactory
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_banner_names_left_out_segments_and_a_used_segment_cannot_be_deleted(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold"])
    SegmentFactory(key="gold", name="Gold members",
                   definition={"attribute": "trait.tier", "operator": "equals", "value": "gold"})
    mobile = SegmentFactory(key="mobile", name="Mobile",
                            definition={"attribute": "device", "operator": "equals", "value": "mobile"})
    SegmentFactory(key="mobile-fans", name="Mobile fans",
                   definition={"attribute": "segment", "operator": "member_of", "value": "mobile"})
    TraitDefinition.objects.all().delete()  # from the shell, under the gold segment
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/segments/")
    banner = tab.locator("[data-left-out-segments]")
    expect(banner).to_contain_text("One live segment is left out of every decision")
    expect(banner.locator('[data-left-out="gold"]')).to_contain_text("unknown trait 'tier'")
    shot(tab, "safety-01-banner")

    tab.goto(f"{base}/admin/personalization/segments/delete/{mobile.pk}/")
    expect(tab.locator(".messages")).to_contain_text(
        "'Mobile' cannot be deleted: it is used by segment 'Mobile fans'."
    )
    shot(tab, "safety-02-delete-refused")
    assert Segment.objects.filter(pk=mobile.pk).exists()
