"""The demo's feedback: a drop last week that the explanation pins on the voucher and the spring page."""

from datetime import datetime, timedelta, timezone

import pytest

from cms.demo import demo_seed
from personalization.demo import SPRING_SLUG, demo_personalisation_seed
from personalization.insight.explain import drop_explain
from personalization.insight.models import Feedback
from personalization.insight.trends import Slice, sentiment_trend
from personalization.models import VisitorProfile

pytestmark = pytest.mark.django_db


def test_the_demo_drop_is_explained_by_the_voucher_and_the_spring_page():
    demo_seed()
    demo_personalisation_seed()
    count = Feedback.objects.count()
    assert count == 2875 and Feedback.objects.exclude(human_label="").count() > 150
    assert demo_personalisation_seed()["feedback items"] == count  # seeded once
    end = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    explained = drop_explain(where=Slice(), current=(end - timedelta(days=7), end), earlier=(end - timedelta(days=14), end - timedelta(days=7)))
    assert explained.current_negative_share > explained.earlier_negative_share + 0.15
    assert explained.terms[0].key == "voucher"
    spring = Feedback.objects.filter(page__slug=SPRING_SLUG).values_list("page_id", flat=True).first()
    assert explained.pages[0].key == str(spring)
    weekly = sentiment_trend(since=end - timedelta(days=56), until=end, period="week")
    assert weekly[-1].mean < min(point.mean for point in weekly[:-1])
    recent = Feedback.objects.filter(occurred_at__gte=datetime.now(timezone.utc) - timedelta(days=29)).exclude(visitor_id="")
    with_feedback = set(recent.values_list("visitor_id", flat=True))
    profiles = [p for p in VisitorProfile.objects.filter(visitor_id__in=with_feedback)]
    consenting = [p for p in profiles if "crm" in p.consent]
    assert consenting and all(-1 <= p.traits["sentiment"] <= 1 for p in consenting)
    # Without crm consent the computed trait is not kept (the demo's CRM value is dropped too).
    assert all("sentiment" not in p.traits for p in profiles if "crm" not in p.consent)
