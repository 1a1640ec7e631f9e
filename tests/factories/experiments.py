"""Experiments as a marketer leaves them once the CCO approved: saved with arms, and (unless ``live=False``) published."""

from personalization.experiments.models import Experiment, ExperimentArm

# (key, variant number or None for the control, weight)
AB = (("control", None, 50), ("b", 1, 50))


def experiment_create(
    *, key: str = "hero-test", page=None, slot: str = "hero", placement=None, arms=AB, audience=(),
    live: bool = True, user=None, **fields,
) -> Experiment:
    """A block experiment on `page`'s `slot` (or on `placement`, or with ``target_kind="page"`` on the page's
    variants), published unless ``live=False``."""
    target_kind = fields.pop("target_kind", "placement" if placement is not None else "block")
    experiment = Experiment(
        key=key, name=key.replace("-", " ").title(), page=page, slot=slot if target_kind == "block" else "",
        placement=placement, target_kind=target_kind,
        goal_event=fields.pop("goal_event", "conversion"), **fields,
    )
    experiment.arms = [ExperimentArm(key=arm, variant=variant, weight=weight) for arm, variant, weight in arms]
    if not live:
        experiment.live = False
    experiment.save()
    if audience:
        experiment.audience.set(audience)
        experiment.save()
    revision = experiment.save_revision(user=user)
    if live:
        revision.publish(user=user)
    return experiment
