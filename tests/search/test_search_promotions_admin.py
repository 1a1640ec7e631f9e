"""Marketers pin a result for a segment in the Wagtail admin (Personalisation → Search promotions)."""

import pytest
from django.urls import reverse
from wagtail.contrib.search_promotions.models import Query

from cms.roles import EDITORS, MARKETERS
from personalization.models import SegmentSearchPromotion
from tests.factories import ArticlePageFactory, SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_personalization_segmentsearchpromotion"


def test_a_marketer_pins_a_page_for_a_segment_and_the_query_is_stored_normalised(client, home):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    segment = SegmentFactory(key="returning")
    page = ArticlePageFactory(parent=home, title="Loyalty rewards")
    assert client.get(reverse(f"{URLS}:add")).status_code == 200
    response = client.post(reverse(f"{URLS}:add"), {
        "query_string": "  Winter   BOOTS ", "segment": segment.pk, "page": page.pk, "sort_order": "0",
        "description": "Returning customers",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    promotion = SegmentSearchPromotion.objects.get()
    assert (promotion.query.query_string, promotion.segment, promotion.page.pk) == ("winter boots", segment, page.pk)
    edit = client.get(reverse(f"{URLS}:edit", args=[promotion.pk]))
    assert 'value="winter boots"' in edit.content.decode()
    assert Query.objects.filter(query_string="winter boots").count() == 1


def test_a_blank_query_is_a_form_error(client, home):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    segment = SegmentFactory(key="returning")
    page = ArticlePageFactory(parent=home, title="Loyalty rewards")
    response = client.post(reverse(f"{URLS}:add"), {"query_string": "   ", "segment": segment.pk, "page": page.pk, "sort_order": "0"})
    assert response.status_code == 200
    assert not SegmentSearchPromotion.objects.exists()


def test_an_editor_cannot_reach_segment_promotions(client):
    client.force_login(UserFactory(username="editor", role=EDITORS))
    assert client.get(reverse(f"{URLS}:add")).status_code in (302, 403)
