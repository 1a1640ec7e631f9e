"""The marketer's dashboard home: their tools, what awaits approval, recent segment changes,
reach per segment, and a "Search all pages" box that leads somewhere they may go."""

import pytest
from django.test import Client
from django.urls import reverse
from django.contrib.contenttypes.models import ContentType
from wagtail.models import Workflow, WorkflowContentType

from cms.roles import CHIEF_CONTENT_OFFICER, DEVELOPERS, EDITORS, MARKETERS, WORKFLOW_NAME
from personalization.models import Segment
from personalization.events.rollup import REACHED_TYPE
from tests.factories import ArticlePageFactory, SegmentFactory, UserFactory
from tests.factories.rollups import RollupFactory, utc_day

pytestmark = pytest.mark.django_db

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}


def _client(role: str, username: str) -> tuple[Client, object]:
    client, user = Client(), UserFactory(username=username, role=role)
    client.force_login(user)
    return client, user


def test_a_marketer_sees_links_to_their_tools(home):
    client, _ = _client(MARKETERS, "marketer")
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    for label, url_name in [("Analytics", "personalization_dashboard"), ("Customers", "personalization_customers"),
                            ("Sentiment", "insight_sentiment"), ("Coverage", "personalization_coverage"),
                            ("Experiments", "wagtailsnippets_personalization_experiment:list")]:
        assert f'<a href="{reverse(url_name)}"><strong>{label}</strong></a>' in content
    assert "Recent segment changes" in content and "Awaiting approval" in content and "Reach per segment" in content


def test_an_editor_gets_no_marketer_panels(home):
    client, _ = _client(EDITORS, "editor")
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Your tools" not in content and "Reach per segment" not in content


@pytest.mark.parametrize(("role", "target"), [
    (MARKETERS, "personalization_pages"), (CHIEF_CONTENT_OFFICER, "wagtailadmin_explore"),
])
def test_search_all_pages_leads_where_the_user_may_search(home, role, target):
    client, _ = _client(role, f"u-{role}")
    response = client.get(reverse("wagtailadmin_home"))
    action = _search_action(response.content.decode())
    assert action.startswith("/admin/pages/" if target == "wagtailadmin_explore" else reverse(target))
    results = client.get(action, {"q": "Home"})
    assert results.status_code == 200
    assert b"permission" not in results.content.lower()


def _search_action(content: str) -> str:
    form = content[content.index('role="search"') - 400:content.index('role="search"')]
    return form[form.rindex('action="') + len('action="'):].split('"', 1)[0]


def test_a_marketer_finds_a_page_through_search_all_pages(home):
    ArticlePageFactory(parent=home, title="Winter boots guide")
    client, _ = _client(MARKETERS, "marketer")
    action = _search_action(client.get(reverse("wagtailadmin_home")).content.decode())
    assert action == reverse("personalization_pages")
    results = client.get(action, {"q": "boots"})
    assert results.status_code == 200 and b"Winter boots guide" in results.content


def test_awaiting_approval_lists_segments_and_pages_in_a_workflow(home, django_capture_on_commit_callbacks):
    client, marketer = _client(MARKETERS, "marketer")
    with django_capture_on_commit_callbacks(execute=True):
        segment = SegmentFactory(key="vip", name="Very important", definition=MOBILE)
    # The CCO has put segments under the approval workflow (Settings → Workflows).
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    WorkflowContentType.objects.create(workflow=workflow, content_type=ContentType.objects.get_for_model(Segment))
    segment.save_revision(user=marketer)
    segment.get_workflow().start(segment, marketer)
    page = ArticlePageFactory(parent=home, title="Spring campaign")
    page.save_revision(user=UserFactory(username="ed", role=EDITORS))
    page.get_workflow().start(page, marketer)
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    approval = content[content.index('id="tailor-awaiting-approval-section"'):]
    assert "Segments (1)" in approval and "Very important" in approval
    assert "Pages (1)" in approval and "Spring campaign" in approval
    assert reverse("personalization_preview_as", args=[page.pk]) in approval


def test_recent_segment_changes_and_reach_per_segment(home, django_capture_on_commit_callbacks):
    client, marketer = _client(MARKETERS, "marketer")
    with django_capture_on_commit_callbacks(execute=True):
        gold = SegmentFactory(key="gold", name="Gold members", definition=MOBILE)
        SegmentFactory(key="quiet", name="Quiet ones", definition=MOBILE)
        revision = gold.save_revision(user=marketer, log_action=True)
        revision.publish(user=marketer)
    RollupFactory(type=REACHED_TYPE, segment="gold", visitors=42, bucket=utc_day())
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    changes = content[content.index('id="tailor-recent-segment-changes-section"'):content.index('id="tailor-reach-per-segment-section"')]
    assert "Gold members" in changes and "marketer" in changes
    reach = content[content.index('id="tailor-reach-per-segment-section"'):]
    assert reach.index("Gold members") < reach.index("Quiet ones")
    assert "<td>42</td>" in reach


def test_developers_still_reach_the_home_without_marketer_panels(home):
    client, _ = _client(DEVELOPERS, "dev")
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200 and b"Your tools" not in response.content
