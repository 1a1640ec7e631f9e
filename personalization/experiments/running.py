"""The running experiments as delivery reads them: compiled with the ruleset, rebuilt when either changes.

Only the live revision of an experiment that is not stopped and is within its dates is
here. The moment the next experiment starts or ends is the compiled set's expiry, so an
experiment never assigns past its end (fail closed) however long a process runs.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from personalization.engine import ExperimentSpec
from personalization.experiments.models import Experiment, ExperimentStatus, TargetKind

# An audience whose segments are all out of the ruleset (drafts, deleted, left out): nobody is in it.
NOBODY = ("\x00nobody",)


@dataclass(frozen=True)
class RunningExperiment:
    """One running experiment: the engine's spec, where it applies, and each arm's variant id (None: default)."""

    spec: ExperimentSpec
    kind: str
    page_id: int | None
    slot: str  # a block's slot, a placement's key; "" for a page's variant set
    variants: dict[str, str | None]  # arm → "v<n>" (a block's, placement's or page's n-th variant), None: default


@dataclass(frozen=True)
class RunningExperiments:
    by_key: dict[str, RunningExperiment] = field(default_factory=dict)
    by_slot: dict[tuple[int, str], RunningExperiment] = field(default_factory=dict)
    by_placement: dict[str, RunningExperiment] = field(default_factory=dict)
    next_change: datetime | None = None  # the next start or end among the live experiments

    def arm_keys(self, key: str) -> frozenset[str]:
        """The arms of a running experiment (empty when it is not running)."""
        running = self.by_key.get(key)
        return frozenset(running.variants) if running else frozenset()


def running_experiments(key_by_segment_id: dict[int, str], now: datetime | None = None) -> RunningExperiments:
    """Compile the live, running experiments against the ruleset's segment keys."""
    now = now or timezone.now()
    live = (
        Experiment.objects.filter(live=True, status=ExperimentStatus.RUNNING)
        .select_related("placement").prefetch_related("arms", "audience")
    )
    found = RunningExperiments()
    boundaries = []
    for experiment in live:
        boundaries += [moment for moment in (experiment.starts_at, experiment.ends_at) if moment and moment > now]
        if not experiment.is_running(now):
            continue
        running = _compiled(experiment, key_by_segment_id)
        if running is None:
            continue
        found.by_key[experiment.key] = running
        if running.kind == TargetKind.PLACEMENT:
            found.by_placement[running.slot] = running
        else:
            found.by_slot[(running.page_id, running.slot)] = running
    return RunningExperiments(found.by_key, found.by_slot, found.by_placement, min(boundaries, default=None))


def _compiled(experiment: Experiment, key_by_segment_id: dict[int, str]) -> RunningExperiment | None:
    arms = [arm for arm in experiment.arms.all() if arm.weight > 0]
    control = next((arm for arm in arms if arm.variant is None), None)
    if control is None or len(arms) < 2:
        return None  # validation keeps this out; should it slip in, the experiment does not run
    audience_ids = [segment.pk for segment in experiment.audience.all()]
    audience = tuple(sorted(key_by_segment_id[pk] for pk in audience_ids if pk in key_by_segment_id))
    if audience_ids and not audience:
        audience = NOBODY
    spec = ExperimentSpec(
        key=experiment.key,
        arms=tuple((arm.key, float(arm.weight)) for arm in arms),
        control=control.key,
        holdout=float(experiment.holdout),
        audience=audience,
    )
    if experiment.target_kind == TargetKind.PLACEMENT:
        if experiment.placement is None:
            return None
        kind, page_id, slot = TargetKind.PLACEMENT, None, experiment.placement.key
    elif experiment.target_kind == TargetKind.PAGE:
        if experiment.page_id is None:
            return None
        kind, page_id, slot = TargetKind.PAGE, experiment.page_id, ""
    else:
        kind, page_id, slot = TargetKind.BLOCK, experiment.page_id, experiment.slot
    return RunningExperiment(spec, kind, page_id, slot, {arm.key: arm.variant_id for arm in arms})


def page_experiment_keys(page_id: int) -> tuple[str, ...]:
    """Keys of the live experiments that are not stopped and test a block or the variant set of this page
    (whatever their dates).

    Read once per content generation (publishing or stopping an experiment bumps it): a
    page no experiment touches costs delivery nothing.
    """
    return tuple(
        Experiment.objects.filter(live=True, target_kind__in=(TargetKind.BLOCK, TargetKind.PAGE), page_id=page_id)
        .exclude(status=ExperimentStatus.STOPPED).order_by("key").values_list("key", flat=True)
    )
