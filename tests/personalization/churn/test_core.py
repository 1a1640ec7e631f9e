"""The churn core on its own (no database): AUC on generated data with a known signal, reasons
that name the planted factor, behaviour against the customer's own baseline, JSON models."""

import json
import math
import random
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from personalization.insight.churn import (
    ChurnScorer, CustomerHistory, FeatureSpec, TraitField, cross_validated_auc, feature_matrix, train,
)
from personalization.insight.churn.features import activity
from personalization.insight.churn.synthetic import CONTRACTS, INTERNET, PAYMENTS, customers

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
TELCO_SPEC = FeatureSpec(
    traits=(
        TraitField("tenure_months", "number"), TraitField("monthly_charges", "number"),
        TraitField("total_charges", "number"), TraitField("support_calls", "number"),
        TraitField("contract", "choice", tuple(name for name, _, _ in CONTRACTS)),
        TraitField("internet_service", "choice", tuple(name for name, _, _ in INTERNET)),
        TraitField("payment_method", "choice", tuple(name for name, _, _ in PAYMENTS)),
        TraitField("tech_support", "boolean"), TraitField("senior_citizen", "boolean"),
    ),
    behaviour=False, sentiment=False,
)


def telco(count: int, seed: int = 7):
    rows = list(customers(count, seed=seed))
    histories = [
        CustomerHistory(row["customer_id"], traits={k: (v == "yes") if v in ("yes", "no") else v for k, v in row.items()}, behaviour_known=False)
        for row in rows
    ]
    return rows, histories, [int(row["churned"] == "yes") for row in rows]


def test_cross_validated_auc_on_the_generated_telecom_export_is_well_above_one_feature():
    rows, histories, labels = telco(3000)
    evaluation = cross_validated_auc(feature_matrix(histories, TELCO_SPEC, NOW), labels, TELCO_SPEC)

    oracle = roc_auc_score(labels, [row["_probability"] for row in rows])
    assert evaluation.auc >= 0.82
    assert evaluation.auc >= evaluation.baseline_auc + 0.07
    assert evaluation.auc <= oracle + 0.02  # no leak: it cannot beat the generating model by much
    assert len(evaluation.fold_aucs) == 5 and evaluation.customers == 3000


def test_the_reasons_of_the_riskiest_name_the_planted_factor():
    rng = random.Random(3)
    histories, labels = [], []
    for n in range(2000):
        contract = rng.choice(["month-to-month", "one-year", "two-year"])
        planted = contract == "month-to-month"
        histories.append(CustomerHistory(f"c{n}", traits={"contract": contract, "age": rng.randint(18, 80)}, behaviour_known=False))
        labels.append(int(rng.random() < (0.6 if planted else 0.1)))
    spec = FeatureSpec(traits=(TraitField("contract", "choice", ("month-to-month", "one-year", "two-year")), TraitField("age", "number")), behaviour=False, sentiment=False)
    matrix = feature_matrix(histories, spec, NOW)
    scorer = train(matrix, labels, spec)
    risks = scorer.score(matrix)

    riskiest = int(np.argmax(risks))
    reasons = scorer.reasons(histories[riskiest], matrix[riskiest], NOW)
    assert reasons[0].factor == "contract" and reasons[0].text == "contract: month-to-month"
    assert reasons[0].direction == "raises"
    safest = int(np.argmin(risks))
    assert all(reason.factor != "contract" for reason in scorer.reasons(histories[safest], matrix[safest], NOW))


def _visits(per_month_before: int, per_month_now: int) -> list[datetime]:
    before = [NOW - timedelta(days=31 + day) for month in range(5) for day in range(month * 30, month * 30 + 30, 30 // per_month_before)]
    recent = [NOW - timedelta(days=1 + day) for day in range(0, 29, 29 // per_month_now)][:per_month_now] if per_month_now else []
    return before + recent


def test_behaviour_is_compared_with_the_customers_own_baseline_and_explained_in_words():
    rng = random.Random(5)
    histories, labels = [], []
    for n in range(600):
        usual = rng.choice([2, 3, 5, 6])
        leaving = n % 3 == 0
        times = _visits(usual, 1 if leaving else usual)
        histories.append(CustomerHistory(f"v{n}", NOW - timedelta(days=200), max(times), times, {"sentiment": -0.6 if leaving and n % 2 else 0.3}))
        labels.append(int(leaving) if rng.random() > 0.05 else int(not leaving))
    spec = FeatureSpec()
    matrix = feature_matrix(histories, spec, NOW)
    scorer = train(matrix, labels, spec)

    leaver = next(i for i, h in enumerate(histories) if h.traits["sentiment"] == -0.6 and len(h.event_times) > 25)
    texts = [reason.text for reason in scorer.reasons(histories[leaver], matrix[leaver], NOW)]
    act = activity(histories[leaver], NOW)
    assert act.visits_recent == 1 and act.visits_baseline >= 5
    assert any(text.startswith("visits fell from 6/month to 1") for text in texts), texts
    assert "sentiment −0.6 over 30 days" in texts
    assert roc_auc_score(labels, scorer.score(matrix)) > 0.85


def test_a_model_survives_json_and_missing_values_are_neutral():
    _, histories, labels = telco(800, seed=9)
    matrix = feature_matrix(histories, TELCO_SPEC, NOW)
    scorer = train(matrix, labels, TELCO_SPEC)
    restored = ChurnScorer.from_json(json.loads(json.dumps(scorer.as_json())))

    assert np.allclose(restored.score(matrix), scorer.score(matrix))
    unknown = feature_matrix([CustomerHistory("nobody", behaviour_known=False)], TELCO_SPEC, NOW)
    assert np.isnan(unknown).all()
    assert math.isclose(float(restored.score(unknown)[0]), 1 / (1 + math.exp(-restored.intercept)))
    assert restored.reasons(CustomerHistory("nobody"), unknown[0], NOW) == []


def test_a_model_whose_columns_do_not_match_its_spec_is_refused():
    data = train(*_two_class_matrix(), FeatureSpec(traits=(TraitField("x", "number"),), behaviour=False, sentiment=False)).as_json()
    data["coefficients"] = data["coefficients"] + [1.0]
    with pytest.raises(ValueError):
        ChurnScorer.from_json(data)


def test_training_needs_both_classes():
    matrix, _ = _two_class_matrix()
    with pytest.raises(ValueError):
        train(matrix, [0] * len(matrix), FeatureSpec(traits=(TraitField("x", "number"),), behaviour=False, sentiment=False))


def _two_class_matrix():
    return np.array([[1.0], [2.0], [3.0], [4.0]]), [0, 0, 1, 1]
