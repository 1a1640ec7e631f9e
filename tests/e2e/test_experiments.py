"""An experiment in a real browser: a marketer creates and submits it, the CCO's approval launches it,
delivery assigns arms, and the marketer reads the results page. Screenshots in test-output/e2e/."""

from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from cms.api.keys import api_key_create
from cms.roles import CHIEF_CONTENT_OFFICER, MARKETERS, WORKFLOW_NAME
from personalization.experiments.aggregation import experiment_aggregate
from personalization.experiments.exposures import ExperimentExposure
from personalization.experiments.model_specs import results_spec
from personalization.models import Event, Experiment
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory
from tests.factories.personalised import personalised_block
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _log_out(tab: Page) -> None:
    tab.locator("button:has(.sidebar-footer__account-toggle)").click()
    tab.get_by_role("button", name="Log out").click()
    tab.wait_for_url("**/admin/login/**")


def test_a_marketer_creates_the_cco_launches_and_the_results_are_read(live_server, home, tab: Page):
    mobile = SegmentFactory(key="mobile")
    landing = LandingPageFactory(parent=home, title="Spring offer", slug="spring-offer", body=[
        personalised_block("hero", "Default offer", [([mobile], [], "Mobile offer"), ([], [], "Bold offer")]),
    ])
    role_user("marketer", MARKETERS)
    role_user("cco", CHIEF_CONTENT_OFFICER)
    base = live_server.url

    # The marketer drafts an A/B test of the hero: control (default) against variant 2.
    log_in(tab, base, "marketer")
    tab.goto(base + reverse("wagtailsnippets_personalization_experiment:add"))
    tab.fill("#id_name", "Bold hero")
    tab.fill("#id_key", "bold-hero")
    tab.select_option("#id_target_kind", "block")
    tab.locator("[data-chooser-action-choose]").first.click()  # the page chooser of "page"
    modal = tab.locator(".modal-dialog")
    modal.locator("a.navigate-pages[title*=\"'Home'\"]").click()  # into the home page's children
    modal.get_by_role("link", name="Spring offer").first.click()
    expect(tab.locator("#id_page")).to_have_value(str(landing.pk))
    tab.fill("#id_slot", "hero")
    for index, (key, variant) in enumerate([("control", ""), ("bold", "2")]):
        tab.fill(f"#id_arms-{index}-key", key)
        tab.fill(f"#id_arms-{index}-variant", variant)
        tab.fill(f"#id_arms-{index}-weight", "50")
    tab.fill("#id_goal_event", "conversion")
    tab.fill("#id_min_sample", "100")
    shot(tab, "experiment-01-marketer-form")
    tab.locator("footer [data-w-dropdown-target=toggle]").first.click()
    tab.get_by_role("button", name=f"Submit to {WORKFLOW_NAME}").click()
    expect(tab.locator(".messages")).to_contain_text("submitted")
    shot(tab, "experiment-02-submitted")
    experiment = Experiment.objects.get(key="bold-hero")
    assert experiment.workflow_in_progress and not experiment.live
    _log_out(tab)

    # The CCO approves it from the dashboard: that launches it.
    log_in(tab, base, "cco")
    review = tab.locator("#awaiting-review-content")
    expect(review).to_contain_text("Bold hero")
    review.get_by_role("button", name="Actions").click()
    with tab.expect_response(lambda response: "/workflow/action/" in response.url) as approval:
        review.get_by_role("button", name="Approve", exact=True).click()
    assert approval.value.status == 302
    experiment.refresh_from_db()
    assert experiment.live and experiment.is_running()
    _log_out(tab)

    # Delivery now assigns arms: a visitor reads the page and its arm is in meta.
    channel = ChannelFactory(slug="web")
    key = api_key_create(channel=channel, name="web", scopes=["delivery"])[1]
    response = Client().get(f"/api/v2/pages/{landing.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_VISITOR_ID="v-1")
    assert response.json()["meta"]["personalization"]["experiments"]["bold-hero"]["reason"] == "arm"

    # Some days of results (as the flusher and the aggregation would leave them), then the marketer reads them.
    now = datetime.now(timezone.utc)
    ExperimentExposure.objects.bulk_create([
        ExperimentExposure(experiment="bold-hero", arm="bold" if n % 2 else "control", visitor_id=f"v{n}",
                           first_at=now - timedelta(days=n % 5, hours=1), channel_id=channel.pk)
        for n in range(600)
    ])
    Event.objects.bulk_create([
        Event(channel_id=channel.pk, event_id=f"c{n}", type="conversion", visitor_id=f"v{n}",
              occurred_at=now - timedelta(minutes=30), received_at=now - timedelta(minutes=29))
        for n in range(600) if (n % 2 and n % 5 == 1) or n % 9 == 0
    ])
    experiment_aggregate(results_spec(experiment), now=now)
    log_in(tab, base, "marketer")
    tab.goto(base + reverse("wagtailsnippets_personalization_experiment:edit", args=[experiment.pk]))
    tab.get_by_role("link", name="Results").click()
    table = tab.locator("[data-results-table]")
    expect(table.locator("tr[data-arm=control]")).to_contain_text("300")
    expect(table.locator("tr[data-arm=bold]")).to_contain_text("300")
    expect(tab.locator("canvas[data-chart=arm_means]")).to_be_visible()
    expect(tab.locator("[data-results-csv]")).to_be_visible()
    shot(tab, "experiment-03-results")
