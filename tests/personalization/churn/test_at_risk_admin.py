"""The admin's "At risk" page: for marketers, with the distribution, the most at risk and why,
moves into high risk this week, per segment."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cms.roles import DEVELOPERS, EDITORS, MARKETERS
from personalization.churnrisk.tasks import churn_score_task
from personalization.models import ChurnScore, VisitorProfile
from tests.factories import SegmentFactory, UserFactory

from .conftest import CUSTOMERS, run
from .test_scoring import AT_RISK

pytestmark = pytest.mark.django_db


def test_marketers_read_who_is_at_risk_and_why(client, telco_imported):
    run("train", "--label-trait", "churned")
    VisitorProfile.objects.update(consent=["crm"])
    churn_score_task.apply().get()
    SegmentFactory(key="at-risk", name="Customers at risk", definition=AT_RISK)
    high = ChurnScore.objects.filter(risk__gte=0.7)
    moved = list(high.order_by("pk")[:3])
    ChurnScore.objects.filter(pk__in=[score.pk for score in moved]).update(high_since=timezone.now() - timedelta(days=1))
    ChurnScore.objects.filter(risk__gte=0.7).exclude(pk__in=[score.pk for score in moved]).update(high_since=timezone.now() - timedelta(days=30))
    client.force_login(UserFactory(username="marketer", role=MARKETERS))

    response = client.get(reverse("personalization_at_risk"))

    assert response.status_code == 200
    report = response.context["report"]
    assert report.scored == CUSTOMERS and report.high == high.count() and report.moved_in == 3
    assert sum(report.distribution) == CUSTOMERS
    riskiest = ChurnScore.objects.select_related("profile").order_by("-risk", "pk").first()
    html = response.content.decode()
    assert riskiest.profile.visitor_id in html and riskiest.reasons[0]["text"] in html
    [segment] = report.segments
    assert (segment.key, segment.high, segment.moved_in) == ("at-risk", high.count(), 3)
    assert 'data-chart="risk"' in html and "chart.umd.js" in html
    assert "Model v1" in html


def test_before_any_model_the_page_says_how_to_train_one(client):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    response = client.get(reverse("personalization_at_risk"))
    assert response.status_code == 200 and "churn_model train" in response.content.decode()


@pytest.mark.parametrize("role", [EDITORS, DEVELOPERS])
def test_other_roles_neither_see_nor_open_it(client, role):
    client.force_login(UserFactory(username="other", role=role))
    url = reverse("personalization_at_risk")
    assert url not in client.get(reverse("wagtailadmin_home")).content.decode()
    refused = client.get(url)
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")


def test_marketers_find_it_in_the_menu(client):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    assert reverse("personalization_at_risk") in client.get(reverse("wagtailadmin_home")).content.decode()
