"""The demo's experiment: the spring page's hero, control against the free-shipping variant, running
for two weeks with synthetic exposures and conversions so the results page has something to show."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from personalization.engine import ExperimentSpec, assign
from personalization.events.inserts import rows_insert
from personalization.events.models import Event
from personalization.experiments.aggregation import experiment_aggregate
from personalization.experiments.exposures import ExperimentExposure
from personalization.experiments.model_specs import results_spec
from personalization.experiments.models import Experiment, ExperimentArm, ExperimentGuardrail

DEMO_KEY = "spring-hero-free-shipping"
DAYS = 14
VISITORS = 6000
# Conversion rates: the free-shipping copy does better, enough to be seen within the demo's sample.
RATES = {"control": 0.040, "free-shipping": 0.052}
# Not "demo-": the demo's own events are recognised by that prefix.
EVENT_PREFIX = "exp-demo-"
EVENT_FIELDS = ["channel_id", "event_id", "type", "visitor_id", "occurred_at", "received_at", "page_id", "placement",
                "variant", "experiment", "arm", "segments", "value", "properties"]


def demo_experiment_seed(*, page, admin: User, channel_id: int, progress=None) -> Experiment | None:
    """Create the running demo experiment on `page`'s spring hero once, with its synthetic results."""
    progress = progress or (lambda items, label: items)
    if page is None or Experiment.objects.filter(key=DEMO_KEY).exists():
        return Experiment.objects.filter(key=DEMO_KEY).first()
    now = timezone.now()
    with transaction.atomic():
        experiment = Experiment(
            key=DEMO_KEY, name="Spring hero: free shipping copy",
            hypothesis="Promising free shipping in the hero converts more visitors than the generic copy.",
            target_kind="block", page=page, slot="spring-hero", goal_event="conversion", goal_kind="binomial",
            min_sample=1000, starts_at=now - timedelta(days=DAYS), created_by=admin,
        )
        experiment.arms = [
            ExperimentArm(key="control", name="Generic copy", variant=None, weight=50),
            ExperimentArm(key="free-shipping", name="Free shipping", variant=3, weight=50),
        ]
        experiment.guardrails = [ExperimentGuardrail(event_type="click", kind="binomial")]
        experiment.save()
        experiment.save_revision(user=admin, log_action=True).publish(user=admin)
        _synthetic_results(experiment, channel_id, now, progress)
    spec = results_spec(experiment)
    experiment_aggregate(spec, now=now)
    return experiment


def _synthetic_results(experiment: Experiment, channel_id: int, now, progress) -> None:
    """Exposures spread over the days, each arm as delivery assigns it, and conversions at the arm's rate.

    Written once: a reset keeps them, as it keeps the demo's other events.
    """
    if Event.objects.filter(event_id__startswith=EVENT_PREFIX).exists():
        return
    rng = random.Random(13)
    spec = ExperimentSpec(key=DEMO_KEY, arms=(("control", 50.0), ("free-shipping", 50.0)), control="control")
    start = now - timedelta(days=DAYS)
    exposures, events = [], []
    for n in progress(range(VISITORS), "demo experiment visitors"):
        visitor = f"demo-exp-visitor-{n:04d}"
        arm = assign(spec, visitor, ()).arm
        first_at = start + timedelta(seconds=rng.randrange(DAYS * 86_400 - 7_200))
        exposures.append(ExperimentExposure(
            experiment=DEMO_KEY, arm=arm, visitor_id=visitor, first_at=first_at, channel_id=channel_id,
        ))
        funnel = (["click"] if rng.random() < 0.2 else []) + (["conversion"] if rng.random() < RATES[arm] else [])
        for type_ in funnel:
            at = first_at + timedelta(minutes=rng.randrange(1, 90))
            events.append((
                channel_id, f"{EVENT_PREFIX}{n}-{type_}", type_, visitor, at, at + timedelta(seconds=2),
                experiment.page_id, "spring-hero", "", DEMO_KEY, arm, [],
                Decimal(rng.randrange(1_500, 12_000)) / 100 if type_ == "conversion" else None, {},
            ))
    ExperimentExposure.objects.bulk_create(exposures, ignore_conflicts=True)
    rows_insert(Event, EVENT_FIELDS, events)


def demo_experiment_reset() -> None:
    """Forget the demo experiment. Its exposures and events stay, as the demo's events do (they are rolled up)."""
    Experiment.objects.filter(key=DEMO_KEY).delete()
