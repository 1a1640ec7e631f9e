"""The experiment admin through Django's test client: form validation, the CCO's workflow launching
and stopping, promote winner as a page revision in approval, every step in the audit log."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry, PageLogEntry, TaskState, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cms.roles import CHIEF_CONTENT_OFFICER, EDITORS, MARKETERS
from personalization.models import Experiment
from tests.factories import LandingPageFactory, SegmentFactory, UserFactory
from tests.factories.personalised import personalised_block

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_personalization_experiment"


def url(name: str, *args) -> str:
    return reverse(f"{URLS}:{name}", args=args)


@pytest.fixture
def landing(home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mobile = SegmentFactory(key="mobile")
    return LandingPageFactory(parent=home, title="Spring offer", body=[
        personalised_block("hero", "Default offer", [([mobile], [], "Mobile offer"), ([], [], "Bold offer")]),
    ])


@pytest.fixture
def marketer():
    client = Client()
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    return client


@pytest.fixture
def cco():
    client = Client()
    client.force_login(UserFactory(username="cco", role=CHIEF_CONTENT_OFFICER))
    return client


def form_data(page, *, arms=(("control", "", 50), ("b", "2", 50)), action: str = "", **fields) -> dict:
    """POST data of the experiment editor."""
    data = {
        "name": "Hero test", "key": "hero-test", "hypothesis": "", "target_kind": "block", "page": str(page.pk),
        "slot": "hero", "placement": "", "holdout": "0", "goal_event": "conversion", "goal_kind": "binomial",
        "goal_page": "", "goal_placement": "", "min_sample": "100", "starts_at": "", "ends_at": "",
        "status": "running", "go_live_at": "", "expire_at": "",
        "arms": inline_formset([{"key": key, "name": "", "variant": variant, "weight": str(weight)} for key, variant, weight in arms]),
        "guardrails": inline_formset([]),
        **fields,
    }
    form = nested_form_data(data)
    if action:
        form[action] = "1"
    return form


def log_actions(instance) -> list[str]:
    entries = ModelLogEntry.objects.for_instance(instance).order_by("timestamp", "pk")
    return list(entries.values_list("action", flat=True))


def submitted(marketer, landing) -> Experiment:
    response = marketer.post(url("add"), form_data(landing))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    experiment = Experiment.objects.get(key="hero-test")
    response = marketer.post(url("edit", experiment.pk), form_data(landing, action="action-submit"))
    assert response.status_code == 302
    experiment.refresh_from_db()
    return experiment


def approve(cco, experiment) -> None:
    task_state = TaskState.objects.get(status=TaskState.STATUS_IN_PROGRESS, workflow_state__object_id=str(experiment.pk))
    response = cco.post(url("workflow_action", experiment.pk, "approve", task_state.pk), {"comment": ""})
    assert response.status_code in (200, 302)


@pytest.mark.parametrize(
    "arms, error",
    [
        ((("control", "", 50),), "at least two arms"),
        ((("a", "", 50), ("b", "", 50)), "Exactly one arm is the control"),
        ((("control", "", 50), ("b", "7", 50)), "The target has 2 variant(s): no variant 7"),
        ((("control", "", 50), ("control", "1", 50)), "Arm keys must differ"),
        ((("control", "", 50), ("b", "1", 50), ("c", "1", 50)), "Two arms show the same variant"),
    ],
)
def test_invalid_arms_are_form_errors(marketer, landing, arms, error):
    response = marketer.post(url("add"), form_data(landing, arms=arms))
    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].non_field_errors())
    assert not Experiment.objects.exists()


def test_a_slot_the_page_does_not_have_is_a_form_error(marketer, landing):
    response = marketer.post(url("add"), form_data(landing, slot="footer"))
    assert response.status_code == 200
    assert response.context["form"].errors["slot"] == ["The page has no personalised block 'footer'. Its slots: hero."]


def test_a_marketer_cannot_launch_an_experiment(marketer, landing):
    marketer.post(url("add"), form_data(landing))
    experiment = Experiment.objects.get(key="hero-test")
    assert not experiment.live

    marketer.post(url("edit", experiment.pk), form_data(landing, action="action-publish"))

    experiment.refresh_from_db()
    assert not experiment.live and experiment.live_revision is None
    assert not UserFactory._meta.model.objects.get(username="marketer").has_perm("personalization.publish_experiment")


def test_an_editor_cannot_reach_the_experiments(landing):
    editor = Client()
    editor.force_login(UserFactory(username="editor", role=EDITORS))
    for path in (url("list"), url("add")):
        response = editor.get(path)
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def test_the_cco_s_approval_launches_and_a_submitted_stop_stops(marketer, cco, landing, django_capture_on_commit_callbacks):
    experiment = submitted(marketer, landing)
    assert experiment.workflow_in_progress and not experiment.live
    assert "wagtail.workflow.start" in log_actions(experiment)

    with django_capture_on_commit_callbacks(execute=True):
        approve(cco, experiment)
    experiment.refresh_from_db()
    assert experiment.live and experiment.is_running()
    assert "wagtail.publish" in log_actions(experiment)

    stop = form_data(landing, action="action-submit", status="stopped")
    assert marketer.post(url("edit", experiment.pk), stop).status_code == 302
    experiment.refresh_from_db()
    assert experiment.is_running()  # until approved
    with django_capture_on_commit_callbacks(execute=True):
        approve(cco, experiment)
    experiment.refresh_from_db()
    assert experiment.status == "stopped" and not experiment.is_running()


def test_promote_winner_submits_a_page_revision_with_the_arm_as_default(
    marketer, cco, landing, django_capture_on_commit_callbacks
):
    experiment = submitted(marketer, landing)
    with django_capture_on_commit_callbacks(execute=True):
        approve(cco, experiment)

    response = marketer.post(url("promote", experiment.pk), {"arm": "b"})

    assert response.status_code == 302
    landing.refresh_from_db()
    assert landing.live and landing.workflow_in_progress  # live content unchanged until approved
    draft = landing.get_latest_revision_as_object()
    assert draft.body[0].value["default"][0].value == "Bold offer"
    assert landing.specific.body[0].value["default"][0].value == "Default offer"
    page_state = WorkflowState.objects.get(object_id=str(landing.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    assert page_state.current_task_state.revision == landing.get_latest_revision()
    assert "personalization.experiment.promote" in log_actions(experiment)
    assert PageLogEntry.objects.filter(page=landing, action="wagtail.workflow.start").exists()
    experiment.refresh_from_db()
    assert experiment.workflow_in_progress and experiment.get_latest_revision_as_object().status == "stopped"


def test_promoting_the_control_is_refused(marketer, cco, landing, django_capture_on_commit_callbacks):
    experiment = submitted(marketer, landing)
    with django_capture_on_commit_callbacks(execute=True):
        approve(cco, experiment)
    marketer.post(url("promote", experiment.pk), {"arm": "control"})
    landing.refresh_from_db()
    assert not landing.workflow_in_progress


def test_experiments_are_listed_under_the_personalisation_menu(marketer, landing):
    marketer.post(url("add"), form_data(landing))
    listing = marketer.get(url("list"))
    assert listing.status_code == 200 and "Hero test" in listing.content.decode()
    home = marketer.get(reverse("wagtailadmin_home")).content.decode()
    assert url("list") in home  # the Personalisation menu's Experiments item
