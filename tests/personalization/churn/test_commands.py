"""`churn_model train|evaluate|score|generate` on a CRM export imported with import_traits, and
the computed `churn_risk` refused by imports."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from personalization.churnrisk.scoring import risk_trait_ensure
from personalization.models import ChurnModel, ChurnScore, TraitDefinition, VisitorProfile

from .conftest import CUSTOMERS, run

pytestmark = pytest.mark.django_db


def test_evaluate_prints_cross_validated_auc_well_above_the_single_feature_baseline(telco_imported):
    out = run("evaluate", "--label-trait", "churned")

    model = float(re.search(r"model (0\.\d+)", out).group(1))
    baseline = float(re.search(r"baseline \((\w+)\): (0\.\d+)", out).group(2))
    assert f"{CUSTOMERS} customers" in out and "5-fold" in out
    assert model >= 0.80 and model >= baseline + 0.05, out
    assert "contract=month-to-month" in out  # one-hot inputs from the imported choice trait
    assert not ChurnModel.objects.exists()  # evaluating stores nothing


def test_train_stores_a_versioned_json_model_and_score_writes_the_computed_trait_with_reasons(telco_imported):
    out = run("train", "--label-trait", "churned")
    model = ChurnModel.objects.get()
    assert f"Stored churn model v1" in out and model.auc >= 0.80 and model.baseline_auc < model.auc
    assert model.customers == CUSTOMERS and 0 < model.positives < CUSTOMERS
    assert "churned" not in model.features and "churn_risk" not in model.features
    assert len(model.model["coefficients"]) == len(model.features)

    out = run("score")
    assert f"{CUSTOMERS} customers scored" in out
    trait = TraitDefinition.objects.get(name="churn_risk")
    assert trait.computed and trait.category == "crm" and trait.type == "number"
    riskiest = ChurnScore.objects.select_related("profile").order_by("-risk").first()
    assert riskiest.profile.traits["churn_risk"] == riskiest.risk and 0.5 < riskiest.risk <= 1
    assert riskiest.profile.trait_sources["churn_risk"]["source"] == "computed"
    assert riskiest.reasons and all(reason["direction"] == "raises" for reason in riskiest.reasons)

    run("train", "--label-trait", "churned")
    assert list(ChurnModel.objects.values_list("version", flat=True)) == [2, 1]


def test_a_computed_trait_cannot_be_imported(telco_imported, tmp_path):
    risk_trait_ensure()
    path = tmp_path / "scores.csv"
    path.write_text("customer_id,risk\ncust-00001,0.9\n")
    with pytest.raises(CommandError, match="computed"):
        call_command("import_traits", str(path), "--id-column", "customer_id", "--map", "risk=churn_risk", stdout=StringIO(), stderr=StringIO())
    path.write_text("customer_id,churn_risk\ncust-00001,0.9\n")
    out = StringIO()
    call_command("import_traits", str(path), "--id-column", "customer_id", stdout=out, stderr=StringIO())
    assert "Columns not imported (no trait): churn_risk" in out.getvalue()
    assert "churn_risk" not in VisitorProfile.objects.get(visitor_id="cust-00001").traits


def test_without_labels_it_learns_from_inactivity_after_a_cut_off():
    now = timezone.now()
    for n in range(60):
        left = n % 3 == 0
        # everyone came weekly; those who left stopped 50 days ago, the others came until yesterday
        last = now - timedelta(days=50 + n % 5 if left else 1 + n % 3)
        events = [{"name": "page_view", "at": (last - timedelta(days=7 * k)).isoformat(), "target": ""} for k in range(20)]
        VisitorProfile.objects.create(
            visitor_id=f"v{n}", first_seen=now - timedelta(days=200), last_seen=last, visit_count=20,
            events=events, consent=["behaviour"],
        )
    VisitorProfile.objects.create(visitor_id="no-consent", first_seen=now - timedelta(days=200), last_seen=now - timedelta(days=90))

    out = run("train", "--inactivity-days", "30")

    model = ChurnModel.objects.get()
    assert model.label == "inactivity:30" and model.customers == 60 and model.positives == 20
    assert "visits_recent" in model.features and model.auc > 0.9, out


@pytest.mark.parametrize("args, message", [
    (("train", "--label-trait", "nobody_has_it"), "no customer has a usable label"),
    (("evaluate", "--inactivity-days", "0"), "at least 1"),
])
def test_training_without_usable_labels_is_refused(args, message):
    VisitorProfile.objects.create(visitor_id="alone", traits={"churned": "maybe"})
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ChurnModel.objects.exists()


def test_generate_writes_the_export(tmp_path):
    out = run("generate", str(tmp_path / "x.csv"), "--customers", "50")
    lines = (tmp_path / "x.csv").read_text().splitlines()
    assert len(lines) == 51 and lines[0].startswith("customer_id,") and lines[0].endswith(",churned")
    assert "import_traits" in out
