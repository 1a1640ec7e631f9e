"""The periodic rescoring (task.apply()): churn_risk and reasons written, usable in rules,
high-risk moves dated, and nothing kept without a model behind it (fail closed)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from personalization.churnrisk.tasks import churn_score_task
from personalization.models import ChurnModel, ChurnScore, VisitorProfile
from personalization.ruleset_cache import current_rules
from personalization.selectors import _sample_context, sample_visitor, segment_reach
from tests.factories import SegmentFactory

from .conftest import CUSTOMERS, run

pytestmark = pytest.mark.django_db
AT_RISK = {"attribute": "trait.churn_risk", "operator": "gte", "value": 0.7}


def test_the_task_scores_everyone_and_the_at_risk_segment_matches_on_the_score(telco_imported):
    run("train", "--label-trait", "churned")
    VisitorProfile.objects.update(consent=["crm"])  # rules read CRM traits only with consent to them

    result = churn_score_task.apply().get()

    high = ChurnScore.objects.filter(risk__gte=0.7)
    assert result["scored"] == CUSTOMERS and result["model_version"] == 1 and result["high"] == high.count() > 0
    assert not high.filter(high_since__isnull=True).exists()
    assert not ChurnScore.objects.filter(risk__lt=0.7, high_since__isnull=False).exists()
    SegmentFactory(key="at-risk", definition=AT_RISK)
    reach = segment_reach(ruleset=current_rules().ruleset, key="at-risk", sample=_sample_context(sample_visitor(timezone.now())))
    assert reach["matched"] == high.count()


def test_a_customer_keeps_the_time_they_moved_into_high_risk(telco_imported):
    run("train", "--label-trait", "churned")
    churn_score_task.apply().get()
    score = ChurnScore.objects.filter(risk__gte=0.7).first()
    week_ago = timezone.now() - timedelta(days=8)
    ChurnScore.objects.filter(pk=score.pk).update(high_since=week_ago)

    assert churn_score_task.apply().get()["changed"] == 0  # same model, same data: no value rewritten
    assert ChurnScore.objects.get(pk=score.pk).high_since == week_ago


def test_without_a_model_no_churn_risk_is_kept(telco_imported):
    run("train", "--label-trait", "churned")
    churn_score_task.apply().get()
    VisitorProfile.objects.create(visitor_id="hand-set", traits={"churn_risk": 0.99})  # written before the hub computed it

    ChurnModel.objects.all().delete()
    result = churn_score_task.apply().get()

    assert result["model_version"] is None and result["removed"] == CUSTOMERS + 1
    assert not ChurnScore.objects.exists()
    assert not VisitorProfile.objects.filter(traits__has_key="churn_risk").exists()


def test_a_corrupt_model_scores_nobody(telco_imported):
    run("train", "--label-trait", "churned")
    churn_score_task.apply().get()
    model = ChurnModel.objects.get()
    model.model["coefficients"] = model.model["coefficients"][:-1]  # no longer matches its inputs
    model.save()

    assert churn_score_task.apply().get()["scored"] == 0
    assert not VisitorProfile.objects.filter(traits__has_key="churn_risk").exists()


def test_a_customer_the_model_knows_nothing_about_gets_no_score(telco_imported):
    run("train", "--label-trait", "churned")
    VisitorProfile.objects.create(visitor_id="stranger", traits={"favourite_colour": "blue"})

    churn_score_task.apply().get()

    assert not ChurnScore.objects.filter(profile__visitor_id="stranger").exists()
    assert "churn_risk" not in VisitorProfile.objects.get(visitor_id="stranger").traits


def test_rescoring_is_scheduled():
    entry = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == churn_score_task.name)
    assert entry["schedule"] == settings.CHURN_SCORING_SECONDS > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_every_chunk_is_written_whatever_writes_it(telco_imported):
    from personalization.churnrisk.scoring import scores_refresh

    run("train", "--label-trait", "churned")
    done = []

    result = scores_refresh(chunk=200, progress=done.append)

    assert result.scored == CUSTOMERS == sum(done) and len(done) == -(-CUSTOMERS // 200)
    assert ChurnScore.objects.count() == VisitorProfile.objects.filter(traits__has_key="churn_risk").count() == CUSTOMERS
    assert result.changed == CUSTOMERS
