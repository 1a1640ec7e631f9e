"""The editorial workflow in a real browser: an editor writes and submits, the CCO approves.

Drives Debian's chromium through Playwright against pytest-django's live server.
Screenshots of each step land in test-output/e2e/.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from wagtail.models import PageLogEntry

from cms.models import ArticlePage
from cms.roles import CHIEF_CONTENT_OFFICER, EDITORS, WORKFLOW_NAME
from tests.factories import SectionPageFactory
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)

TITLE = "Mapping the customer journey"
PARAGRAPH = "Start from the moments that matter to customers."

# A live server needs committed data; serialized_rollback restores the groups, root page
# and workflow that the data migrations made, which a plain transactional flush would lose.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _log_out(tab: Page) -> None:
    tab.locator("button:has(.sidebar-footer__account-toggle)").click()
    tab.get_by_role("button", name="Log out").click()
    tab.wait_for_url("**/admin/login/**")


def test_editor_submits_and_cco_approves_an_article(live_server, home, tab: Page):
    section = SectionPageFactory(parent=home, title="Guides", slug="guides")
    editor = role_user("editor", EDITORS)
    cco = role_user("cco", CHIEF_CONTENT_OFFICER)
    base = live_server.url

    # The editor writes an article under the section, with a paragraph in the body.
    log_in(tab, base, "editor")
    shot(tab, "01-editor-dashboard")
    tab.goto(f"{base}/admin/pages/{section.pk}/add_subpage/")
    tab.get_by_role("link", name="Article page", exact=True).click()
    tab.fill("#id_title", TITLE)
    tab.press("#id_title", "Tab")  # the slug follows the title when it loses focus
    tab.locator("#body-root button.c-sf-add-button").first.click()
    tab.get_by_role("option", name="Paragraph").click()
    paragraph = tab.locator("#body-root [contenteditable=true]").first
    paragraph.click()
    paragraph.press_sequentially(PARAGRAPH)
    expect(paragraph).to_contain_text(PARAGRAPH)
    tab.fill("#id_summary", "Where channels meet.")
    # Draftail serialises into its hidden input a moment after typing stops; submitting
    # before that would save an empty paragraph.
    expect(tab.locator("#body-root input[type=hidden][name$='-value']").first).to_have_value(
        re.compile(re.escape(PARAGRAPH))
    )
    shot(tab, "02-editor-article-form")

    # ... and submits it from the footer's action menu.
    tab.locator("footer [data-w-dropdown-target=toggle]").first.click()
    tab.get_by_role("button", name=f"Submit to {WORKFLOW_NAME}").click()
    expect(tab.locator(".messages")).to_contain_text(f"'{TITLE}' created and submitted for moderation")
    shot(tab, "03-editor-submitted")
    article = ArticlePage.objects.get(title=TITLE)
    assert article.workflow_in_progress and not article.live
    assert PARAGRAPH in str(article.get_latest_revision().as_object().body)
    _log_out(tab)

    # The CCO approves it from the dashboard's "Awaiting your review" panel.
    log_in(tab, base, "cco")
    review = tab.locator("#awaiting-review-content")
    expect(review).to_contain_text(TITLE)
    review.get_by_role("button", name="Actions").click()
    shot(tab, "04-cco-dashboard")
    with tab.expect_response(lambda response: "/workflow/action/" in response.url) as approval:
        review.get_by_role("button", name="Approve", exact=True).click()
    assert approval.value.status == 302  # the action is done before the redirect comes back
    expect(tab).to_have_url(f"{base}/admin/")
    expect(tab.get_by_role("heading", name="cco", exact=True)).to_be_visible()
    expect(tab.locator("#awaiting-review-content")).to_have_count(0)
    shot(tab, "05-cco-approved")

    article.refresh_from_db()
    assert article.live
    assert article.live_revision.user == editor
    assert PARAGRAPH in str(article.body)
    audit = PageLogEntry.objects.filter(page=article).order_by("timestamp", "pk")
    assert [(e.action, e.user) for e in audit if e.action.startswith(("wagtail.workflow", "wagtail.publish"))] == [
        ("wagtail.workflow.start", editor),
        ("wagtail.workflow.approve", cco),
        ("wagtail.publish", cco),
    ]
    tab.goto(f"{base}{article.url}")
    expect(tab.locator("h1")).to_have_text(TITLE)
    expect(tab.locator("main")).to_contain_text(PARAGRAPH)
    shot(tab, "06-live-article")
