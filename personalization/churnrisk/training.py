"""Training churn models from CRM labels or from inactivity, and keeping them as ChurnModel rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from personalization.churnrisk.histories import history_of, input_spec, profile_rows
from personalization.insight.churn import (
    ChurnScorer, CustomerHistory, Evaluation, FeatureSpec, cross_validated_auc, feature_matrix, train,
)
from personalization.insight.churn.model import is_finite_model
from personalization.models import ChurnModel, VisitorProfile

LEFT = frozenset({"yes", "y", "true", "1", "left", "churned"})
STAYED = frozenset({"no", "n", "false", "0", "stayed", "active"})


class TrainingProblem(ValueError):
    """Training cannot run on these labels (none, one class only, unknown trait)."""


@dataclass
class Labelled:
    """Customers with a label, the moment their features are taken at, and what the labels are."""

    histories: list[CustomerHistory]
    labels: list[int]
    as_of: datetime
    label: str


def label_value(value: object) -> int | None:
    """1 left, 0 stayed, None for anything else (such customers are not trained on)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        return 1 if text in LEFT else 0 if text in STAYED else None
    return None


def labelled_by_trait(trait: str, *, progress: Callable[[int], None] | None = None) -> Labelled:
    """Customers whose CRM trait `trait` says whether they left (yes/no, true/false, 1/0)."""
    histories, labels = [], []
    for row in profile_rows(VisitorProfile.objects.filter(traits__has_key=trait)):
        label = label_value((row[5] or {}).get(trait))
        if label is not None:
            histories.append(history_of(row))
            labels.append(label)
        if progress:
            progress(1)
    return Labelled(histories, labels, timezone.now(), f"trait:{trait}")


def labelled_by_inactivity(days: int, *, now: datetime | None = None, progress: Callable[[int], None] | None = None) -> Labelled:
    """Without labels: customers seen before a cut-off `days` ago; those with no visit since it left.

    Their features are taken as of the cut-off, from what happened before it only.
    """
    if days < 1:
        raise TrainingProblem("--inactivity-days must be at least 1")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    known = VisitorProfile.objects.filter(first_seen__lt=cutoff, last_seen__isnull=False)
    histories, labels = [], []
    for row in profile_rows(known):
        if "behaviour" not in (row[6] or []):
            continue  # behaviour is used only with consent to it
        histories.append(history_of(row, before=cutoff))
        labels.append(int(row[3] < cutoff))
        if progress:
            progress(1)
    return Labelled(histories, labels, cutoff, f"inactivity:{days}")


def _checked(labelled: Labelled) -> None:
    if not labelled.labels:
        raise TrainingProblem(f"no customer has a usable label ({labelled.label})")
    if len(set(labelled.labels)) < 2:
        raise TrainingProblem(f"every labelled customer {'left' if labelled.labels[0] else 'stayed'} ({labelled.label}): nothing to learn from")


def evaluate(labelled: Labelled, *, traits: Sequence[str] | None = None, progress: Callable[[int], None] | None = None) -> tuple[FeatureSpec, Evaluation]:
    """5-fold cross-validated ROC AUC of a model on these labels against a single-feature baseline."""
    _checked(labelled)
    spec = input_spec(labelled.histories, label=labelled.label.partition(":")[2], traits=traits)
    matrix = feature_matrix(labelled.histories, spec, labelled.as_of)
    try:
        return spec, cross_validated_auc(matrix, labelled.labels, spec, progress=progress)
    except ValueError as exc:
        raise TrainingProblem(str(exc)) from exc


def train_and_store(labelled: Labelled, *, traits: Sequence[str] | None = None, with_evaluation: bool = True,
                    progress: Callable[[int], None] | None = None) -> ChurnModel:
    """Fit on every labelled customer and store the model as the next version (with its evaluation)."""
    _checked(labelled)
    spec, evaluation = evaluate(labelled, traits=traits, progress=progress) if with_evaluation else (None, None)
    spec = spec or input_spec(labelled.histories, label=labelled.label.partition(":")[2], traits=traits)
    scorer = train(feature_matrix(labelled.histories, spec, labelled.as_of), labelled.labels, spec)
    with transaction.atomic():
        # version is unique: two trainings at once fail one of them rather than share a number
        latest = ChurnModel.objects.aggregate(top=Max("version"))["top"] or 0
        return ChurnModel.objects.create(
            version=latest + 1, trained_at=timezone.now(), label=labelled.label, features=spec.names(),
            model=scorer.as_json(), customers=len(labelled.labels), positives=sum(labelled.labels),
            auc=evaluation.auc if evaluation else None, baseline_auc=evaluation.baseline_auc if evaluation else None,
            baseline_feature=evaluation.baseline_feature if evaluation else "",
        )


def current_scorer() -> tuple[ChurnModel, ChurnScorer] | None:
    """The newest stored model, or None when there is none or it cannot be read (nobody is scored then)."""
    row = ChurnModel.objects.order_by("-version").first()
    if row is None:
        return None
    try:
        scorer = ChurnScorer.from_json(row.model)
    except (KeyError, TypeError, ValueError):
        return None
    return (row, scorer) if is_finite_model(scorer) else None
