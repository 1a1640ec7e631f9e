"""The demo: its profiles carry CRM churn labels, a model is trained on them once, every profile
is scored, and the demo's "at risk" segment matches on churn_risk."""

import pytest
from django.utils import timezone

from cms.demo import demo_seed
from personalization.demo import demo_personalisation_seed
from personalization.models import ChurnModel, ChurnScore, VisitorProfile
from personalization.ruleset_cache import current_rules
from personalization.selectors import _sample_context, sample_visitor, segment_reach

pytestmark = pytest.mark.django_db


def test_the_demo_scores_its_customers_and_the_at_risk_segment_matches_some():
    demo_seed()
    demo_personalisation_seed()
    demo_personalisation_seed()  # idempotent: trained once

    model = ChurnModel.objects.get()
    assert model.label == "trait:churned" and model.auc > 0.6
    assert ChurnScore.objects.count() == VisitorProfile.objects.count() == 200
    assert ChurnScore.objects.filter(risk__gte=0.7).exists()
    assert all(reason["text"] for score in ChurnScore.objects.all() for reason in score.reasons)
    reach = segment_reach(ruleset=current_rules().ruleset, key="at-risk", sample=_sample_context(sample_visitor(timezone.now())))
    assert reach["matched"] > 0
