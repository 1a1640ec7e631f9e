"""Trends group by period and slice; the drop explanation ranks the induced term and page first."""

from datetime import datetime, timedelta, timezone

import pytest

from personalization.insight.explain import drop_explain
from personalization.insight.trends import Slice, sentiment_trend
from tests.factories import HomePageFactory
from tests.insight.constructed import feedback_with_a_drop

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 2, tzinfo=timezone.utc)  # a Monday


@pytest.fixture
def pages(home):
    return [HomePageFactory(parent=home, title=title, slug=title.lower()) for title in ("Shop", "Help", "Offers", "Blog")]


def test_the_explanation_ranks_the_induced_term_and_page_first(pages):
    feedback_with_a_drop(pages[:3], start=START, drop_page=pages[3])
    current = (START + timedelta(days=21), START + timedelta(days=28))
    earlier = (START + timedelta(days=14), START + timedelta(days=21))
    explained = drop_explain(where=Slice(), current=current, earlier=earlier)
    assert explained.current_mean < explained.earlier_mean
    assert explained.current_negative_share > explained.earlier_negative_share
    assert explained.terms[0].key == "voucher"
    assert explained.terms[0].driver.z > 5
    assert explained.pages[0].name == "Blog"
    quotes = explained.terms[0].quotes
    assert len(quotes) == 3 == len(set(quotes)) and all("voucher" in quote.lower() for quote in quotes)
    assert all("voucher" in quote.lower() for quote in explained.pages[0].quotes)


def test_no_drop_no_driver_for_the_steady_weeks(pages):
    feedback_with_a_drop(pages[:3], start=START, drop_page=pages[3])
    explained = drop_explain(
        where=Slice(), current=(START + timedelta(days=7), START + timedelta(days=14)), earlier=(START, START + timedelta(days=7)),
    )
    assert "voucher" not in [finding.key for finding in explained.terms]
    assert all(finding.driver.z < 3 for finding in explained.terms + explained.pages)


def test_trends_per_week_and_per_page_show_the_drop(pages):
    feedback_with_a_drop(pages[:3], start=START, drop_page=pages[3])
    weekly = sentiment_trend(since=START, until=START + timedelta(days=28), period="week")
    assert [point.volume for point in weekly] == [280, 280, 280, 371]
    assert weekly[-1].mean < weekly[0].mean and weekly[-1].negative_share > weekly[0].negative_share + 0.15
    by_page = sentiment_trend(since=START + timedelta(days=21), until=START + timedelta(days=28), period="week", by="page")
    worst = max(by_page, key=lambda point: point.negative_share)
    assert worst.key == str(pages[3].pk) and worst.negative_share == 1.0
    daily_blog = sentiment_trend(since=START, until=START + timedelta(days=28), where=Slice(page=pages[3].pk))
    assert len(daily_blog) == 7 and {point.volume for point in daily_blog} == {13}
