"""The Experiment model as the results need it: a plain `ResultsSpec`, and the provider the periodic
aggregation asks for the experiments worth keeping up to date."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from personalization.experiments.models import Experiment, ExperimentStatus
from personalization.experiments.spec import ResultsSpec

# A stopped experiment's figures are rebuilt for this long after its last change, so its last day is complete.
STOPPED_KEPT = timedelta(days=2)


def results_spec(experiment: Experiment) -> ResultsSpec | None:
    """The experiment (its live version when it has one: that is what ran) as the results need it.

    None when it has no control arm yet (a draft being written): there is nothing to compare.
    """
    ran = experiment if experiment.live else experiment.get_latest_revision_as_object()
    arms = [arm for arm in ran.arms.all()]
    control = next((arm.key for arm in arms if arm.variant is None), None)
    if control is None:
        return None
    return ResultsSpec(
        experiment=ran.key,
        arms=[(arm.key, float(arm.weight)) for arm in arms],
        control=control,
        goal_type=ran.goal_event,
        kind=ran.goal_kind,
        goal_page_id=ran.goal_page_id,
        goal_placement=ran.goal_placement,
        guardrails=[(g.event_type, g.kind, g.higher_is_better) for g in ran.guardrails.all()],
        min_sample=ran.min_sample,
        start=ran.starts_at,
        end=ran.ends_at,
    )


def aggregated_experiment_specs() -> list[ResultsSpec]:
    """Live experiments that run, and those stopped lately (registered with the aggregation at ready())."""
    recent = timezone.now() - STOPPED_KEPT
    live = (
        Experiment.objects.filter(live=True)
        .filter(Q(status=ExperimentStatus.RUNNING) | Q(updated_at__gte=recent))
        .prefetch_related("arms", "guardrails")
    )
    return [spec for experiment in live if (spec := results_spec(experiment)) is not None]
