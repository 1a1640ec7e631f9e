"""Promote an experiment's winning arm: the target's default content becomes the arm's, as a new
page revision submitted to the page's workflow, and the experiment's stop is submitted with it.

Nothing goes live here: the chief content officer's approval publishes both revisions.
"""

from django.db import transaction

from personalization.experiments.models import Experiment, ExperimentStatus, TargetKind


class PromotionError(Exception):
    """Why an arm cannot be promoted (shown to the marketer as it is)."""


@transaction.atomic
def promote_winner(experiment: Experiment, arm_key: str, *, user):
    """Create and submit the page revision whose block default is `arm_key`'s content; return that revision."""
    arm = next((arm for arm in experiment.arms.all() if arm.key == arm_key), None)
    if arm is None:
        raise PromotionError(f"The experiment has no arm '{arm_key}'.")
    if arm.variant is None:
        raise PromotionError("The control already shows the default content: there is nothing to promote.")
    if experiment.target_kind != TargetKind.BLOCK or experiment.page is None:
        raise PromotionError(
            "Only a page block's arm can be promoted here; edit the placement's default, or the page variants, instead."
        )
    page = experiment.page.get_latest_revision_as_object()
    if experiment.page.workflow_in_progress or experiment.workflow_in_progress:
        raise PromotionError("The page or the experiment is already in a workflow: finish that first.")
    if not _default_replaced(page, experiment.slot, arm.variant):
        raise PromotionError(f"The page has no personalised block '{experiment.slot}' with variant {arm.variant}.")
    revision = page.save_revision(user=user, log_action=True)
    workflow = experiment.page.get_workflow()
    if workflow is None:
        raise PromotionError("The page has no workflow to submit the promotion to.")
    workflow.start(page, user)

    stopped = experiment.get_latest_revision_as_object()
    stopped.status = ExperimentStatus.STOPPED
    stopped.winner = arm.key
    stopped.save_revision(user=user, log_action=True)
    experiment_workflow = experiment.get_workflow()
    if experiment_workflow is not None:
        experiment_workflow.start(stopped, user)
    return revision


def _default_replaced(page, slot: str, variant: int) -> bool:
    """Set the slot's default to its variant's content in the page's stored stream data; whether it was found."""
    from wagtail.fields import StreamField

    for field in page._meta.concrete_fields:
        if not isinstance(field, StreamField):
            continue
        raw = list(getattr(page, field.name).get_prep_value())
        for child in raw:
            if child.get("type") != "personalised" or child["value"].get("slot") != slot:
                continue
            variants = child["value"].get("variants") or []
            if not 1 <= variant <= len(variants):
                return False
            chosen = variants[variant - 1]
            chosen = chosen["value"] if isinstance(chosen, dict) and chosen.get("type") == "item" else chosen
            child["value"]["default"] = chosen["content"]
            setattr(page, field.name, raw)
            return True
    return False
