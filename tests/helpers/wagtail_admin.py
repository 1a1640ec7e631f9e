"""Driving Wagtail's page admin views from Django's test client, as an editor's browser would."""

from django.test import Client
from django.urls import reverse
from wagtail.models import Page, TaskState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.demo import demo_password
from cms.models import ArticlePage
from tests.factories import UserFactory


def role_user(username: str, role: str):
    """A user in one role's group, with the demo password so a browser can log in too."""
    user = UserFactory(username=username, role=role)
    user.set_password(demo_password(username))
    user.save()
    return user


def article_form_data(*, title: str, slug: str, paragraph: str = "", **fields) -> dict[str, str]:
    """POST data of the ArticlePage editor (every tab) with one paragraph in the body."""
    body = streamfield([("paragraph", rich_text(f"<p>{paragraph}</p>"))] if paragraph else [])
    data = {
        "title": title,
        "slug": slug,
        "summary": "",
        "publish_date": "",
        "tags": "",
        "body": body,
        **_empty_formsets(ArticlePage),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
    }
    data.update(fields)
    return nested_form_data(data)


def _empty_formsets(model) -> dict[str, dict]:
    # Every InlinePanel of the editor (channel overrides, page variants, ...) needs its
    # management form, even when empty; read them from the form so new panels need no edit here.
    form_class = model.get_edit_handler().get_form_class()
    return {name: inline_formset([]) for name in form_class.formsets}


def article_create(client: Client, parent: Page, action: str = "action-submit", **data) -> ArticlePage:
    """Create an article through the admin's add view; `action` names the button pressed."""
    url = reverse("wagtailadmin_pages:add", args=("cms", "articlepage", parent.pk))
    form = article_form_data(**data)
    if action:
        form[action] = "1"
    response = client.post(url, form)
    assert response.status_code == 302, _form_errors(response)
    return ArticlePage.objects.get(slug=data["slug"])


def page_edit(client: Client, page: Page, action: str = "", **data):
    """Post the admin's edit view of an article; `action` names the button pressed, if any."""
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    form = article_form_data(title=data.pop("title", page.title), slug=data.pop("slug", page.slug), **data)
    if action:
        form[action] = "1"
    return client.post(url, form)


def workflow_action(client: Client, page: Page, action: str, comment: str = ""):
    """Press a workflow task's button (approve, reject, ...) as the admin's modal does."""
    task_state = TaskState.objects.for_instance(page).get(status=TaskState.STATUS_IN_PROGRESS)
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, action, task_state.pk))
    return client.post(url, {"comment": comment})


def _form_errors(response) -> str:
    context = response.context or {}
    form = context.get("form")
    return f"status {response.status_code}; form errors: {getattr(form, 'errors', None)!r}"
