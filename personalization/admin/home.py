"""The marketer's dashboard home: Wagtail home panels (via `construct_homepage_panels`) for
people who work with segments — where to go, what awaits approval, what changed, who is reached.

Marketers have no page explorer, so the home's "Search all pages" box is pointed at the
read-only page list for them (see search_action and the wagtailadmin/home.html override).
"""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component
from wagtail.models import ModelLogEntry, Page, WorkflowState

from personalization.admin import customers, dashboard, experiment_results
from personalization.admin.figures_panels import RECENT_DAYS, recent
from personalization.admin.pages import VIEW_PERMISSION
from personalization.events import reports
from personalization.insight.admin_views import VIEW_PERMISSION as SENTIMENT_PERMISSION
from personalization.models import Segment

RECENT_CHANGES = 8
REACH_ROWS = 10


def for_marketers(user) -> bool:
    """The panels are for people who may read segments (marketers and the chief content officer)."""
    return user.has_perm(VIEW_PERMISSION)


def search_action(user, root_page) -> str:
    """Where the home's "Search all pages" box sends the query: the page explorer for those
    who may explore pages, else the read-only page list (the explorer would refuse them)."""
    from wagtail.permission_policies.pages import PagePermissionPolicy

    if PagePermissionPolicy().explorable_root_instance(user) is not None:
        if root_page is not None and root_page.pk:
            return reverse("wagtailadmin_explore", args=[root_page.pk])
        return reverse("wagtailadmin_explore_root")
    if for_marketers(user):
        return reverse("personalization_pages")
    return reverse("wagtailadmin_explore_root")


class ShortcutsPanel(Component):
    """Links to the marketer's tools, each shown only to those who may open it."""

    name = "tailor_shortcuts"
    template_name = "personalization/admin/home/shortcuts.html"
    order = 50

    LINKS = [
        (_("Analytics"), "personalization_dashboard", dashboard.VIEW_PERMISSION, _("Reach, impressions and conversions per segment, variant and channel")),
        (_("Experiments"), "wagtailsnippets_personalization_experiment:list", experiment_results.VIEW_PERMISSION, _("A/B tests and their results")),
        (_("Sentiment"), "insight_sentiment", SENTIMENT_PERMISSION, _("What customers say, and how it trends")),
        (_("Customers"), "personalization_customers", customers.VIEW_PERMISSION, _("Look a customer up; consent, export, erasure")),
        (_("Coverage"), "personalization_coverage", VIEW_PERMISSION, _("Which page is offered where, and for which segments")),
        (_("Segments"), "wagtailsnippets_personalization_segment:list", VIEW_PERMISSION, _("Define, test and order audiences")),
    ]

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        return {
            "links": [
                {"label": label, "url": reverse(url_name), "help": help_text}
                for label, url_name, permission, help_text in self.LINKS
                if user.has_perm(permission)
            ]
        }


class AwaitingApprovalPanel(Component):
    """Segments, experiments and pages in a workflow, oldest request first."""

    name = "tailor_awaiting_approval"
    template_name = "personalization/admin/home/awaiting_approval.html"
    order = 60

    def get_context_data(self, parent_context):
        states = (
            WorkflowState.objects.active()
            .select_related("current_task_state__task", "requested_by")
            .prefetch_related("content_object")
            .order_by("created_at")
        )
        groups: dict[str, list[dict]] = {"Segments": [], "Experiments": [], "Pages": []}
        for state in states:
            item = state.content_object
            if item is None:
                continue
            group, url = _approval_entry(item)
            if group:
                groups[group].append({
                    "title": str(item), "url": url, "task": state.current_task_state.task.name if state.current_task_state else "",
                    "requested_by": state.requested_by, "since": state.created_at,
                })
        return {"groups": groups, "total": sum(len(items) for items in groups.values())}


def _approval_entry(item) -> tuple[str | None, str]:
    from personalization.experiments.models import Experiment

    if isinstance(item, Segment):
        return "Segments", reverse("wagtailsnippets_personalization_segment:edit", args=[item.pk])
    if isinstance(item, Experiment):
        return "Experiments", reverse("wagtailsnippets_personalization_experiment:edit", args=[item.pk])
    if isinstance(item, Page):
        # Marketers edit no pages: the preview shows what awaits approval as any channel would see it.
        return "Pages", reverse("personalization_preview_as", args=[item.pk])
    return None, ""


class RecentSegmentChangesPanel(Component):
    """The latest audit log entries about segments: who changed which, when, and how."""

    name = "tailor_recent_segment_changes"
    template_name = "personalization/admin/home/recent_segment_changes.html"
    order = 70

    def get_context_data(self, parent_context):
        entries = (
            ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Segment))
            .select_related("user")
            .order_by("-timestamp", "-pk")[:RECENT_CHANGES]
        )
        existing = set(Segment.objects.values_list("pk", flat=True))
        return {
            "entries": [
                {
                    "entry": entry,
                    "url": reverse("wagtailsnippets_personalization_segment:edit", args=[entry.object_id])
                    if entry.object_id.isdigit() and int(entry.object_id) in existing else "",
                }
                for entry in entries
            ]
        }


class ReachPerSegmentPanel(Component):
    """Visitors shown something per segment over the last days, every live segment listed (zero included)."""

    name = "tailor_reach_per_segment"
    template_name = "personalization/admin/home/reach_per_segment.html"
    order = 80

    def get_context_data(self, parent_context):
        reach = {row.segment: row for row in reports.reach_by_segment(recent())}
        rows = [
            {"name": segment.name, "key": segment.key, "visitors": reach[segment.key].visitors if segment.key in reach else 0,
             "served": reach[segment.key].served if segment.key in reach else 0, "enabled": segment.enabled}
            for segment in Segment.objects.filter(live=True)
        ]
        rows.sort(key=lambda row: (-row["visitors"], -row["served"], row["name"]))
        can_read_figures = parent_context["request"].user.has_perm(dashboard.VIEW_PERMISSION)
        return {
            "rows": rows[:REACH_ROWS], "more": max(0, len(rows) - REACH_ROWS), "days": RECENT_DAYS,
            "dashboard_url": reverse("personalization_dashboard") if can_read_figures else "",
        }


def marketer_panels(request, panels: list) -> None:
    """Put the marketer's panels first on the home page of those who work with segments."""
    if for_marketers(request.user):
        panels[:0] = [ShortcutsPanel(), AwaitingApprovalPanel(), RecentSegmentChangesPanel(), ReachPerSegmentPanel()]
