"""The "Chief content officer approval" workflow end to end through Wagtail's admin views.

Editors submit from the page editor; the CCO approves or requests changes from the
workflow action view (the dashboard's and the editor's buttons both post there);
every step lands in Wagtail's audit log with the acting user.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry, TaskState, WorkflowState

from cms.roles import CHIEF_CONTENT_OFFICER, EDITORS, WORKFLOW_NAME
from tests.factories import SectionPageFactory, UserFactory
from tests.helpers.wagtail_admin import article_create, page_edit, workflow_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def section(home):
    return SectionPageFactory(parent=home, title="Guides", slug="guides")


@pytest.fixture
def editor():
    return UserFactory(username="ed", role=EDITORS)


@pytest.fixture
def cco():
    return UserFactory(username="chief", role=CHIEF_CONTENT_OFFICER)


@pytest.fixture
def submitted(client, section, editor):
    """An article the editor created in the admin and submitted for approval."""
    client.force_login(editor)
    page = article_create(client, section, title="Onboarding journeys", slug="onboarding", paragraph="Step one")
    client.logout()
    return page


def _log(page, action: str):
    return list(PageLogEntry.objects.filter(page=page, action=action).select_related("user"))


def test_submitting_starts_the_cco_workflow(submitted, editor, cco):
    state = WorkflowState.objects.for_instance(submitted).get()

    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == WORKFLOW_NAME
    assert state.requested_by == editor
    assert state.current_task_state.task.specific.groups.get().name == CHIEF_CONTENT_OFFICER
    assert not submitted.live
    assert [entry.user for entry in _log(submitted, "wagtail.workflow.start")] == [editor]


def test_cco_approval_publishes_the_submitted_article(client, submitted, editor, cco):
    submitted_revision = submitted.get_latest_revision()
    client.force_login(cco)

    response = workflow_action(client, submitted, "approve", comment="Lovely")

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.live
    assert submitted.live_revision == submitted_revision
    assert submitted.title == "Onboarding journeys"
    assert WorkflowState.objects.for_instance(submitted).get().status == WorkflowState.STATUS_APPROVED
    approvals = _log(submitted, "wagtail.workflow.approve")
    assert [(e.user, e.data["comment"]) for e in approvals] == [(cco, "Lovely")]
    assert [(e.user, e.revision) for e in _log(submitted, "wagtail.publish")] == [(cco, submitted_revision)]
    client.logout()
    assert client.get("/guides/onboarding/").status_code == 200
    assert b"Step one" in client.get("/guides/onboarding/").content


def test_cco_rejection_keeps_the_article_unpublished_and_records_the_comment(client, submitted, cco):
    client.force_login(cco)

    response = workflow_action(client, submitted, "reject", comment="Needs a customer quote")

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert not submitted.live and submitted.live_revision is None
    state = WorkflowState.objects.for_instance(submitted).get()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    task_state = state.current_task_state
    assert (task_state.status, task_state.finished_by, task_state.comment) == (
        TaskState.STATUS_REJECTED,
        cco,
        "Needs a customer quote",
    )
    rejections = _log(submitted, "wagtail.workflow.reject")
    assert [(e.user, e.data["comment"]) for e in rejections] == [(cco, "Needs a customer quote")]
    assert _log(submitted, "wagtail.publish") == []
    client.logout()
    assert client.get("/guides/onboarding/").status_code == 404


def test_rejected_article_can_be_revised_resubmitted_and_approved(client, submitted, editor, cco):
    client.force_login(cco)
    workflow_action(client, submitted, "reject", comment="Add a quote")
    client.force_login(editor)

    response = page_edit(client, submitted, action="action-restart-workflow", paragraph="Now with a quote")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.workflow_in_progress
    client.force_login(cco)
    workflow_action(client, submitted, "approve")

    submitted.refresh_from_db()
    assert submitted.live
    assert submitted.live_revision.user == editor
    assert "Now with a quote" in str(submitted.specific.body)
    assert len(_log(submitted, "wagtail.workflow.reject")) == 1
    assert [e.user for e in _log(submitted, "wagtail.workflow.approve")] == [cco]


def test_editor_cannot_change_an_article_under_review(client, submitted, editor):
    # What the CCO approves is what the editor submitted: Wagtail publishes the latest
    # revision on approval, so edits during review must be refused.
    revisions_before = submitted.revisions.count()
    client.force_login(editor)

    page_edit(client, submitted, paragraph="Sneaked in after submission")

    assert submitted.revisions.count() == revisions_before
    assert submitted.current_workflow_task.locked_for_user(submitted, editor)


def test_editor_cannot_approve_their_own_submission(client, submitted, editor):
    client.force_login(editor)

    response = workflow_action(client, submitted, "approve")

    assert response.status_code in (302, 403)
    submitted.refresh_from_db()
    assert not submitted.live
    assert _log(submitted, "wagtail.workflow.approve") == []


def test_cco_unpublish_is_audited(client, submitted, cco):
    client.force_login(cco)
    workflow_action(client, submitted, "approve")

    response = client.post(reverse("wagtailadmin_pages:unpublish", args=(submitted.pk,)))

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert not submitted.live
    assert [e.user for e in _log(submitted, "wagtail.unpublish")] == [cco]


def _admin_datetime(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def test_cco_publishing_with_a_future_go_live_schedules_a_revision(client, section, cco):
    go_live, expiry = timezone.now() + timedelta(days=2), timezone.now() + timedelta(days=30)
    client.force_login(cco)

    page = article_create(
        client,
        section,
        action="action-publish",
        title="Spring campaign",
        slug="spring",
        go_live_at=_admin_datetime(go_live),
        expire_at=_admin_datetime(expiry),
    )

    page.refresh_from_db()
    assert not page.live
    scheduled = page.scheduled_revision
    assert scheduled is not None and scheduled.user == cco
    assert abs(scheduled.approved_go_live_at - go_live) < timedelta(minutes=1)
    assert abs(page.expire_at - expiry) < timedelta(minutes=1)
    assert [e.user for e in _log(page, "wagtail.publish.schedule")] == [cco]


def test_approving_a_submission_with_a_future_go_live_schedules_it(client, section, editor, cco):
    go_live = timezone.now() + timedelta(days=1)
    client.force_login(editor)
    page = article_create(client, section, title="Launch", slug="launch", go_live_at=_admin_datetime(go_live))
    client.force_login(cco)

    workflow_action(client, page, "approve")

    page.refresh_from_db()
    assert not page.live
    assert page.scheduled_revision is not None
    assert abs(page.scheduled_revision.approved_go_live_at - go_live) < timedelta(minutes=1)
    assert [e.user for e in _log(page, "wagtail.workflow.approve")] == [cco]
    assert [e.user for e in _log(page, "wagtail.publish.schedule")] == [cco]
