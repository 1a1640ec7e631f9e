"""Wagtail admin registrations for personalisation (discovered by Wagtail)."""

from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import PageListingButton
from wagtail.log_actions import LogFormatter, log
from wagtail.snippets.models import register_snippet

from personalization.admin import at_risk, coverage, customers, dashboard, home, trait_imports
from personalization.admin.pages import VIEW_PERMISSION, PersonalisedPagesView
from personalization.admin.experiments import LOG_PROMOTE
from personalization.admin.preview import preview_as, preview_as_render
from personalization.admin.replace import REPLACE_PERMISSION
from personalization.admin.rules_display import RulesChanged
from personalization.admin.viewsets import PersonalisationViewSetGroup
from personalization.dependants import dependants_text, segment_dependants, trait_dependants
from personalization.engine import describe
from personalization.models import EventType, Segment, TraitDefinition
from personalization.services import LOG_DISABLED, LOG_ENABLED, LOG_PRIORITY, LOG_RULES

register_snippet(PersonalisationViewSetGroup)


@hooks.register("register_log_actions")
def register_segment_log_actions(actions):
    """Audit log entries for changes made from the priority list."""

    @actions.register_action(LOG_PRIORITY)
    class PriorityChanged(LogFormatter):
        label = _("Change segment priority")

        def format_message(self, log_entry):
            return _("Priority changed from %(from)s to %(to)s") % log_entry.data

    actions.register_action(LOG_RULES)(RulesChanged)
    actions.register_action(LOG_ENABLED, _("Switch segment on"), _("Switched on"))

    @actions.register_action(LOG_PROMOTE)
    class ArmPromoted(LogFormatter):
        label = _("Promote experiment arm")

        def format_message(self, log_entry):
            return _("Arm '%(arm)s' promoted to the default content (page revision submitted)") % log_entry.data
    actions.register_action(LOG_DISABLED, _("Switch segment off"), _("Switched off"))
    actions.register_action(customers.LOG_VIEWED, _("View customer"), _("Customer page opened"))
    actions.register_action(customers.LOG_CONSENT, _("Change customer consent"), _("Consent changed"))
    actions.register_action(customers.LOG_ERASED, _("Erase customer"), _("Customer erased"))


@hooks.register("register_admin_urls")
def register_preview_as_urls():
    return [
        path("personalization/preview/<int:page_id>/", preview_as, name="personalization_preview_as"),
        path("personalization/preview/<int:page_id>/render/", preview_as_render, name="personalization_preview_render"),
        path("personalization/pages/", PersonalisedPagesView.as_view(), name="personalization_pages"),
        path(
            "personalization/pages/results/", PersonalisedPagesView.as_view(results_only=True),
            name="personalization_pages_results",
        ),
        path("personalization/coverage/", coverage.coverage, name="personalization_coverage"),
        path("personalization/dashboard/", dashboard.dashboard, name="personalization_dashboard"),
        path("personalization/at-risk/", at_risk.at_risk, name="personalization_at_risk"),
        path("personalization/dashboard/<slug:table>.csv", dashboard.dashboard_csv, name="personalization_dashboard_csv"),
        path("personalization/customers/", customers.customer_search, name="personalization_customers"),
        path("personalization/customers/<int:pk>/", customers.customer_detail, name="personalization_customer"),
        path("personalization/customers/<int:pk>/consent/", customers.customer_consent,
             name="personalization_customer_consent"),
        path("personalization/customers/<int:pk>/erase/", customers.customer_erase, name="personalization_customer_erase"),
        *trait_imports.urls(),
    ]


@hooks.register("register_admin_menu_item")
def register_pages_menu_item():
    """Marketers have no page explorer: this read-only list is their way to pages and 'Preview as'."""
    return SegmentViewersMenuItem(
        _("Pages and segments"), reverse("personalization_pages"), icon_name="doc-empty-inverse", order=310,
    )


class SegmentViewersMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_coverage_menu_item():
    """Which page is offered where and changed for whom, and the gaps."""
    return SegmentViewersMenuItem(_("Coverage"), reverse("personalization_coverage"), icon_name="table", order=311)


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    """Marketers (and the chief content officer) read what visitors did, per segment, variant and channel."""
    return DashboardViewersMenuItem(_("Analytics"), reverse("personalization_dashboard"), icon_name="table", order=305)


@hooks.register("register_admin_menu_item")
def register_customers_menu_item():
    """Marketers look a customer up by any of their ids (each opening is logged)."""
    return CustomerViewersMenuItem(_("Customers"), reverse("personalization_customers"), icon_name="user", order=307)


class CustomerViewersMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(customers.VIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_at_risk_menu_item():
    """Beside the analytics: which customers are likely to leave, and why."""
    return DashboardViewersMenuItem(_("At risk"), reverse("personalization_at_risk"), icon_name="warning", order=306)


class DashboardViewersMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(dashboard.VIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_trait_import_menu_item():
    """Marketers turn a CRM export into traits without a shell."""
    return TraitImportersMenuItem(_("Import traits"), reverse("personalization_trait_imports"), icon_name="upload", order=315)


class TraitImportersMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("personalization.view_traitimport")


@hooks.register("register_page_header_buttons")
def preview_as_button(page, user, view_name=None, next_url=None):
    """'Preview as…' beside the page's other actions: any channel, segments, device, country and moment."""
    yield PageListingButton(_("Preview as…"), reverse("personalization_preview_as", args=[page.pk]), priority=60, icon_name="view")


def _dependants(instance) -> list:
    if isinstance(instance, Segment):
        return segment_dependants(instance)
    if isinstance(instance, TraitDefinition):
        return trait_dependants(instance)
    return []


@hooks.register("before_delete_snippet")
def refuse_deleting_what_others_depend_on(request, instances):
    """A segment or trait in use is not deleted: its dependants would silently stop matching.

    Runs before the confirmation page too (single and bulk delete), so the marketer learns
    what to change first instead of a bare "referenced N times".
    """
    refusals = [
        _now("'%(name)s' cannot be deleted: it is used by %(dependants)s. Remove it from them first.")
        % {"name": instance, "dependants": dependants_text(found)}
        for instance in instances
        if (found := _dependants(instance))
    ]
    refusals += [
        _now("'%(name)s' is a built-in event type: it cannot be deleted.") % {"name": instance}
        for instance in instances
        if isinstance(instance, EventType) and instance.built_in
    ]
    if not refusals:
        return None
    in_use = [instance for instance in instances if isinstance(instance, Segment) and _dependants(instance)]
    if len(instances) == 1 and in_use and request.user.has_perm(REPLACE_PERMISSION):
        # The chief content officer may delete it, by choosing what replaces it first.
        return redirect(f"{reverse('wagtailsnippets_personalization_segment:replace', args=[in_use[0].pk])}?then=delete")
    for refusal in refusals:
        messages.error(request, refusal)
    return redirect(instances[0].snippet_viewset.get_url_name("list"))


@hooks.register("before_unpublish")
def refuse_unpublishing_a_segment_in_use(request, instance):
    """Unpublishing a segment in use would silently switch off what depends on it."""
    if not isinstance(instance, Segment) or not (found := segment_dependants(instance)):
        return None
    if request.user.has_perm(REPLACE_PERMISSION):
        return redirect(f"{reverse('wagtailsnippets_personalization_segment:replace', args=[instance.pk])}?then=unpublish")
    messages.error(request, _now(
        "'%(name)s' cannot be unpublished: it is used by %(dependants)s. Remove it from them first."
    ) % {"name": instance, "dependants": dependants_text(found)})
    return redirect(instance.snippet_viewset.get_url_name("edit"), instance.pk)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def warn_about_expiring_a_segment_in_use(request, instance):
    """Scheduled expiry cannot be refused when it happens (nobody is there to read it): warn on save."""
    if isinstance(instance, Segment) and instance.expire_at and (found := segment_dependants(instance)):
        messages.warning(request, _now(
            "'%(name)s' is set to expire, but it is used by %(dependants)s: once it expires they will no "
            "longer match anyone. Remove it from them before then."
        ) % {"name": instance, "dependants": dependants_text(found)})


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def log_rules_in_words(request, instance):
    """The audit log says what the rules became, as a sentence, when a save changed them."""
    if not isinstance(instance, Segment):
        return
    previous = instance.revisions.order_by("-created_at", "-id")[1:2].first()
    before = previous.content.get("definition") if previous else None
    if previous is not None and before == instance.definition:
        return
    data = {"from": describe(before) if previous else None, "to": describe(instance.definition)}
    log(instance=instance, action=LOG_RULES, user=request.user, data=data)


@hooks.register("construct_homepage_panels")
def marketer_home_panels(request, panels):
    """The marketer's dashboard home: their tools, approvals, segment changes and reach."""
    home.marketer_panels(request, panels)
