"""A marketer opens "At risk" in a real browser: the risk chart, the most at risk with their reasons,
the segments. Screenshots land in test-output/e2e/at-risk-*.png."""

import pytest
from playwright.sync_api import Page, expect

from cms.roles import MARKETERS
from personalization.churnrisk.scoring import scores_refresh
from personalization.churnrisk.training import labelled_by_trait, train_and_store
from personalization.insight.churn.synthetic import customers
from personalization.models import TraitDefinition, VisitorProfile
from tests.factories import SegmentFactory
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _scored_customers() -> None:
    TraitDefinition.objects.create(name="contract", type="choice", choices=["month-to-month", "one-year", "two-year"])
    TraitDefinition.objects.create(name="tenure_months", type="number")
    TraitDefinition.objects.create(name="support_calls", type="number")
    TraitDefinition.objects.create(name="churned", type="boolean")
    VisitorProfile.objects.bulk_create(
        VisitorProfile(visitor_id=row["customer_id"], consent=["crm"], traits={
            "contract": row["contract"], "tenure_months": row["tenure_months"], "support_calls": row["support_calls"],
            "churned": row["churned"] == "yes",
        })
        for row in customers(400, seed=4)
    )
    train_and_store(labelled_by_trait("churned"))
    scores_refresh()
    SegmentFactory(key="at-risk", name="Customers at risk", definition={"attribute": "trait.churn_risk", "operator": "gte", "value": 0.7})


def test_a_marketer_reads_who_is_at_risk_and_why(live_server, tab: Page):
    role_user("marketer", MARKETERS)
    _scored_customers()

    log_in(tab, live_server.url, "marketer")
    tab.get_by_role("navigation", name="Main menu").get_by_role("link", name="At risk").click()
    expect(tab.locator('[data-table="most-at-risk"] tbody tr')).to_have_count(25)
    first_reasons = tab.locator('[data-table="most-at-risk"] tbody tr').first.locator("li").all_inner_texts()
    assert first_reasons and any("contract: month-to-month" in text or "support_calls high" in text or "tenure_months low" in text for text in first_reasons)
    expect(tab.locator('[data-segment="at-risk"]')).to_contain_text("Customers at risk")
    assert tab.evaluate("() => typeof window.Chart === 'function' && Object.keys(window.Chart.instances).length") == 1
    shot(tab, "at-risk-01-page")
