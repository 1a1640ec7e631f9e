"""Experiments in the admin: a governed snippet (draft, submit, the CCO's approval launches it),
arms and guardrails inline, a results page with charts and CSV, and "promote winner".

Launching, stopping and promoting are all publishing, which only the chief content
officer may do (cms.roles): a marketer drafts and submits to the workflow.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, PageChooserPanel, PublishingPanel,
)
from wagtail.admin.widgets import HeaderButton
from wagtail.log_actions import log
from wagtail.snippets.views.snippets import EditView, SnippetViewSet

from personalization.experiments.models import MAX_GUARDRAILS, Experiment, TargetKind
from personalization.experiments.promotion import PromotionError, promote_winner

LOG_PROMOTE = "personalization.experiment.promote"


def arms_errors(arms: list[dict], variant_count: int | None) -> list[str]:
    """What is wrong with an experiment's arms as submitted (each a form's cleaned data)."""
    errors = []
    if len(arms) < 2:
        errors.append("An experiment needs at least two arms: the control and one variant.")
    controls = [arm for arm in arms if arm.get("variant") is None]
    if len(controls) != 1:
        errors.append("Exactly one arm is the control: the one with no variant number (the default content).")
    keys = [arm.get("key") for arm in arms]
    if len(set(keys)) != len(keys):
        errors.append("Arm keys must differ.")
    if arms and not any(arm.get("weight") for arm in arms):
        errors.append("At least one arm needs a weight above zero.")
    variants = [arm["variant"] for arm in arms if arm.get("variant") is not None]
    if len(set(variants)) != len(variants):
        errors.append("Two arms show the same variant.")
    if variant_count is not None:
        beyond = sorted(number for number in variants if number < 1 or number > variant_count)
        if beyond:
            errors.append(
                f"The target has {variant_count} variant(s): no variant {', '.join(map(str, beyond))}."
            )
    return errors


class ExperimentForm(WagtailAdminModelForm):
    """Checks the arms and guardrails against each other and against the target's variants."""

    def clean(self):
        cleaned = super().clean()
        arms = self._kept("arms")
        guardrails = self._kept("guardrails")
        variant_count = None
        if not self.errors:
            probe = Experiment(
                target_kind=cleaned.get("target_kind"), page=cleaned.get("page"), slot=cleaned.get("slot") or "",
                placement=cleaned.get("placement"),
            )
            try:
                variant_count = probe.target_variant_count()
            except Exception:  # the target cannot be read: the model's clean names what is missing
                variant_count = None
        for message in arms_errors(arms, variant_count):
            self.add_error(None, message)
        if len(guardrails) > MAX_GUARDRAILS:
            self.add_error(None, f"At most {MAX_GUARDRAILS} guardrails.")
        return cleaned

    def _kept(self, name: str) -> list[dict]:
        formset = self.formsets.get(name) if hasattr(self, "formsets") else None
        if formset is None:
            return []
        return [
            form.cleaned_data for form in formset.forms
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


class ExperimentEditView(EditView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        url = reverse("wagtailsnippets_personalization_experiment:results", args=[self.object.pk])
        buttons.append(HeaderButton(_("Results"), url=url, icon_name="table"))
        return buttons


class ExperimentViewSet(SnippetViewSet):
    """Experiments under the Personalisation menu."""

    model = Experiment
    icon = "resubmit"
    menu_label = _("Experiments")
    url_prefix = "personalization/experiments"
    edit_view_class = ExperimentEditView
    list_display = ["name", "key", "target_kind", "status", "starts_at", "ends_at"]
    list_filter = ["status", "target_kind"]
    search_fields = ["name", "key"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = True

    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("key")]),
            FieldPanel("hypothesis"),
            MultiFieldPanel(
                [
                    FieldPanel("target_kind"),
                    FieldRowPanel([PageChooserPanel("page"), FieldPanel("slot")]),
                    FieldPanel("placement"),
                ],
                heading=_("What is tested"),
            ),
            InlinePanel("arms", heading=_("Arms"), label=_("Arm"), min_num=2),
            MultiFieldPanel(
                [FieldPanel("holdout"), FieldPanel("audience")], heading=_("Who takes part"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("goal_event"), FieldPanel("goal_kind")]),
                    FieldRowPanel([PageChooserPanel("goal_page"), FieldPanel("goal_placement")]),
                    FieldPanel("min_sample"),
                ],
                heading=_("Primary goal"),
            ),
            InlinePanel("guardrails", heading=_("Guardrails"), label=_("Guardrail"), max_num=MAX_GUARDRAILS),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]), FieldPanel("status")],
                heading=_("When"),
            ),
            PublishingPanel(),
        ],
        base_form_class=ExperimentForm,
    )

    def get_urlpatterns(self):
        from personalization.admin.experiment_results import experiment_results_csv, experiment_results_view

        return [
            *super().get_urlpatterns(),
            path("results/<int:pk>/", experiment_results_view, name="results"),
            path("results/<int:pk>/csv/", experiment_results_csv, name="results_csv"),
            path("promote/<int:pk>/", experiment_promote, name="promote"),
        ]


def experiment_promote(request, pk: int):
    """POST: make an arm the target's default content as a new page revision submitted to the workflow."""
    experiment = get_object_or_404(Experiment, pk=pk)
    if request.method != "POST":
        return redirect("wagtailsnippets_personalization_experiment:results", pk)
    if not request.user.has_perm("personalization.change_experiment"):
        raise PermissionDenied
    arm_key = request.POST.get("arm", "")
    try:
        revision = promote_winner(experiment, arm_key, user=request.user)
    except PromotionError as error:
        messages.error(request, str(error))
        return redirect("wagtailsnippets_personalization_experiment:results", pk)
    log(
        instance=experiment, action=LOG_PROMOTE, user=request.user,
        data={"arm": arm_key, "page": experiment.page_id, "revision": revision.pk},
    )
    messages.success(request, _(
        "Arm '%(arm)s' is now the default content of a new page revision, submitted for approval; "
        "the experiment's stop is submitted too."
    ) % {"arm": arm_key})
    return redirect("wagtailsnippets_personalization_experiment:results", pk)


def target_label(experiment: Experiment) -> str:
    """What the experiment tests, in words."""
    if experiment.target_kind == TargetKind.PLACEMENT:
        return f"placement {experiment.placement.key if experiment.placement else '(deleted)'}"
    if experiment.target_kind == TargetKind.PAGE:
        return f"the page variants of {experiment.page or '(deleted page)'}"
    return f"block '{experiment.slot}' of {experiment.page or '(deleted page)'}"
