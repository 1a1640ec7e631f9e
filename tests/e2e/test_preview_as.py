"""'Preview as' in a real browser: the frame shows the page on the first open, as the chosen
channel delivers it (overrides, offer) and with readable, styled blocks.

Screenshots land in test-output/e2e/preview-as-*.png.
"""

import pytest
from playwright.sync_api import Page, expect

from cms.models import Promo
from cms.models.channels import PageChannelOverride
from cms.roles import MARKETERS
from tests.factories import ChannelFactory, HomePageFactory, LandingPageFactory
from tests.factories.personalised import _id
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _sale_page():
    web = ChannelFactory(slug="web", name="Web")
    mobile = ChannelFactory(slug="mobile", name="Mobile")
    email = ChannelFactory(slug="email", name="Email")
    promo = Promo.objects.create(title="Half price socks", body="<p>This week only</p>", link_url="https://example.com/socks")
    home = HomePageFactory(title="Home", slug="e2e-home")
    page = LandingPageFactory(
        parent=home, title="Our big winter sale with lots of savings", summary="Everything must go.",
        body=[
            {"type": "hero", "id": _id(), "value": {"heading": "Winter sale", "subheading": "Up to 50% off", "image": None, "call_to_action": None}},
            {"type": "promo_cards", "id": _id(), "value": {"heading": "Deals", "promos": [{"type": "item", "value": promo.pk, "id": _id()}]}},
        ],
    )
    page.channel_overrides.add(PageChannelOverride(channel=mobile, title="Winter sale"))
    page.channel_overrides.add(PageChannelOverride(channel=email, offered=False))
    page.save_revision().publish()
    return page, web


def test_a_marketer_previews_a_page_as_each_channel_on_the_first_try(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    page, _ = _sale_page()
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.goto(f"{base}/admin/personalization/preview/{page.pk}/")
    frame = tab.frame_locator("iframe[title=Preview]")
    # The first open picks the first channel offering the page (Email leaves it out): Mobile, with its short title.
    expect(tab.locator("#id_channel")).to_have_value("mobile")
    expect(frame.locator("h1")).to_have_text("Winter sale")
    expect(frame.locator(".block-hero h2")).to_have_text("Winter sale")
    expect(frame.locator(".block-promo h3")).to_have_text("Half price socks")
    expect(frame.locator("body")).not_to_contain_text("ListValue")
    expect(frame.locator("body")).not_to_contain_text("permission")
    shot(tab, "preview-as-01-mobile-first-open")

    tab.select_option("#id_channel", "web")
    tab.get_by_role("button", name="Preview").click()
    expect(frame.locator("h1")).to_have_text("Our big winter sale with lots of savings")
    shot(tab, "preview-as-02-web-own-title")

    tab.select_option("#id_channel", "email")
    tab.get_by_role("button", name="Preview").click()
    expect(frame.locator(".not-offered")).to_contain_text("Not offered on Email.")
    expect(frame.locator(".block-hero")).to_have_count(0)
    shot(tab, "preview-as-03-email-not-offered")
