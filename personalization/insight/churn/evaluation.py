"""Cross-validated ROC AUC of the model against a single-feature baseline, on the same folds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from .features import FeatureSpec
from .model import DEFAULT_C, fit_standardisation, train

FOLDS = 5
SEED = 17


@dataclass(frozen=True)
class Evaluation:
    """Mean out-of-fold ROC AUC of the model and of the best single feature (chosen on each training fold)."""

    auc: float
    baseline_auc: float
    baseline_feature: str
    fold_aucs: tuple[float, ...]
    customers: int
    positives: int

    def lines(self) -> list[str]:
        return [
            f"{self.customers} customers, {self.positives} left ({self.positives / max(self.customers, 1):.1%}).",
            f"ROC AUC, {len(self.fold_aucs)}-fold cross-validated: model {self.auc:.3f} "
            f"(folds {', '.join(f'{value:.3f}' for value in self.fold_aucs)})",
            f"Single-feature baseline ({self.baseline_feature}): {self.baseline_auc:.3f}",
        ]


def _best_single_feature(matrix: np.ndarray, y: np.ndarray) -> tuple[int, float]:
    """The column whose values alone rank the training fold best, and the sign that ranks it so."""
    means, _ = fit_standardisation(matrix)
    filled = np.where(np.isnan(matrix), means, matrix)
    best, best_auc, sign = 0, 0.0, 1.0
    for column in range(filled.shape[1]):
        if np.ptp(filled[:, column]) == 0:
            continue
        auc = roc_auc_score(y, filled[:, column])
        if max(auc, 1 - auc) > best_auc:
            best, best_auc, sign = column, max(auc, 1 - auc), 1.0 if auc >= 0.5 else -1.0
    return best, sign


def cross_validated_auc(
    matrix: np.ndarray, labels: Sequence[int], spec: FeatureSpec, *, folds: int = FOLDS, c: float = DEFAULT_C,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Stratified `folds`-fold ROC AUC (fixed seed) of the model and of the single-feature baseline."""
    y = np.asarray(labels, dtype=int)
    positives = int(y.sum())
    if min(positives, len(y) - positives) < folds:
        raise ValueError(f"need at least {folds} customers who left and {folds} who stayed")
    names = spec.names()
    model_aucs, baseline_aucs, chosen = [], [], []
    for train_index, test_index in StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED).split(matrix, y):
        scorer = train(matrix[train_index], y[train_index], spec, c=c)
        model_aucs.append(float(roc_auc_score(y[test_index], scorer.score(matrix[test_index]))))
        column, sign = _best_single_feature(matrix[train_index], y[train_index])
        test = matrix[test_index][:, column]
        test = np.where(np.isnan(test), np.nanmean(matrix[train_index][:, column]) if not np.isnan(matrix[train_index][:, column]).all() else 0.0, test)
        baseline_aucs.append(float(roc_auc_score(y[test_index], sign * test)))
        chosen.append(names[column])
        if progress:
            progress(1)
    return Evaluation(
        auc=float(np.mean(model_aucs)), baseline_auc=float(np.mean(baseline_aucs)),
        baseline_feature=max(set(chosen), key=chosen.count), fold_aucs=tuple(model_aucs),
        customers=len(y), positives=positives,
    )
