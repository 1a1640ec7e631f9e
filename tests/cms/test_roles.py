"""Each role holds the permissions cms.roles declares, and Wagtail enforces them in the admin."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from cms.roles import CHIEF_CONTENT_OFFICER, DEVELOPERS, EDITORS, MARKETERS, ROLES, WORKFLOW_NAME
from tests.factories import ArticlePageFactory, SectionPageFactory, UserFactory
from tests.helpers.wagtail_admin import article_create, page_edit

pytestmark = pytest.mark.django_db


@pytest.fixture
def section(home):
    return SectionPageFactory(parent=home, title="Guides")


@pytest.fixture
def draft(section):
    return ArticlePageFactory(parent=section, title="Draft article", live=False)


@pytest.fixture
def live_article(section):
    return ArticlePageFactory(parent=section, title="Live article")


def _dotted(permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def test_groups_are_exactly_the_declared_roles():
    # Wagtail's default "Moderators" group must not linger beside the CCO role.
    assert set(Group.objects.values_list("name", flat=True)) == set(ROLES)


@pytest.mark.parametrize("role", list(ROLES))
def test_group_holds_exactly_the_declared_permissions(role):
    group = Group.objects.get(name=role)
    declared = ROLES[role]

    assert {_dotted(p) for p in group.permissions.all()} == set(declared["global"])
    page_grants = GroupPagePermission.objects.filter(group=group).select_related("permission")
    assert {(g.page_id, g.permission.codename) for g in page_grants} == {
        (Page.get_first_root_node().pk, codename) for codename in declared["pages"]
    }
    collection_grants = GroupCollectionPermission.objects.filter(group=group).select_related("permission")
    assert {(g.collection_id, _dotted(g.permission)) for g in collection_grants} == {
        (Collection.get_first_root_node().pk, dotted) for dotted in declared["collections"]
    }


def test_editor_cannot_publish(draft, live_article):
    editor = UserFactory(role=EDITORS)

    for page in (draft, live_article):
        perms = page.permissions_for_user(editor)
        assert perms.can_edit()
        assert not perms.can_publish()
        assert not perms.can_unpublish()
        assert not perms.can_unschedule()
    assert not draft.get_parent().permissions_for_user(editor).can_publish_subpage()


def test_editor_pressing_publish_in_the_admin_does_not_publish(client, draft):
    editor = UserFactory(role=EDITORS)
    client.force_login(editor)

    response = page_edit(client, draft, action="action-publish", title="Edited by the editor")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert not draft.live
    assert draft.live_revision is None
    assert draft.get_latest_revision().user == editor  # saved as a draft, nothing more
    assert not draft.revisions.filter(approved_go_live_at__isnull=False).exists()


def test_editor_creating_with_publish_gets_a_draft(client, section):
    client.force_login(UserFactory(role=EDITORS))

    page = article_create(client, section, action="action-publish", title="Sneaky", slug="sneaky")

    assert not page.live
    assert page.live_revision is None


def test_editor_can_create_edit_and_submit_for_moderation(client, section):
    editor = UserFactory(role=EDITORS)
    client.force_login(editor)

    page = article_create(client, section, action="", title="First draft", slug="first-draft", paragraph="Hello")
    assert page.owner == editor and not page.live

    response = page_edit(client, page, title="Second draft", paragraph="Hello again")
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.get_latest_revision().as_object().title == "Second draft"
    assert page.permissions_for_user(editor).can_submit_for_moderation()

    response = page_edit(client, page, action="action-submit", title="Final draft", paragraph="Ready")
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.workflow_in_progress
    assert page.current_workflow_state.workflow.name == WORKFLOW_NAME
    assert page.current_workflow_state.requested_by == editor
    assert not page.live


@pytest.mark.parametrize("role", [MARKETERS, DEVELOPERS])
def test_role_without_page_permissions_cannot_edit_pages(client, role, section, live_article):
    user = UserFactory(role=role)
    client.force_login(user)

    for page in (section, live_article):
        perms = page.permissions_for_user(user)
        assert not (perms.can_edit() or perms.can_add_subpage() or perms.can_publish() or perms.can_delete())
    add_url = reverse("wagtailadmin_pages:add", args=("cms", "articlepage", section.pk))
    edit_url = reverse("wagtailadmin_pages:edit", args=(live_article.pk,))
    assert client.get(add_url).status_code in (302, 403)
    assert client.get(edit_url).status_code in (302, 403)

    response = page_edit(client, live_article, action="action-publish", title="Defaced")
    assert response.status_code in (302, 403)
    live_article.refresh_from_db()
    assert live_article.title == "Live article"
    assert live_article.revisions.count() == 1


def test_marketer_can_still_use_the_admin(client):
    client.force_login(UserFactory(role=MARKETERS))

    assert client.get(reverse("wagtailadmin_home")).status_code == 200


def test_chief_content_officer_can_publish(client, draft):
    cco = UserFactory(role=CHIEF_CONTENT_OFFICER)
    perms = draft.permissions_for_user(cco)
    assert perms.can_edit() and perms.can_publish() and perms.can_unschedule()
    client.force_login(cco)

    response = page_edit(client, draft, action="action-publish", title="Published by the CCO")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.live and draft.title == "Published by the CCO"
    assert draft.live_revision.user == cco
    assert draft.permissions_for_user(cco).can_unpublish()


def test_chief_content_officer_can_approve_what_an_editor_submits(client, draft):
    editor, cco = UserFactory(role=EDITORS), UserFactory(role=CHIEF_CONTENT_OFFICER)
    draft.get_workflow().start(draft, editor)
    draft.refresh_from_db()
    task = draft.current_workflow_task

    assert {name for name, _, _ in task.get_actions(draft, cco)} >= {"approve", "reject"}
    assert task.get_actions(draft, editor) == []
    assert draft.permissions_for_user(cco).can_edit()
