"""Promoted results: for everyone (Wagtail's search promotions) and per segment (personalization's),
decided by the same personalisation as the rest of the API, failing closed, cached per segment digest."""

from datetime import datetime, timezone

import pytest
from django.test import Client
from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from cms.api.keys import api_key_create
from cms.api.personalisers import personaliser, personaliser_register
from personalization.models import SegmentSearchPromotion, VisitorProfile
from personalization.profiles import profile_upsert
from search.promotions import promotion_provider, promotion_provider_register
from tests.factories import ArticlePageFactory, SegmentFactory

pytestmark = pytest.mark.django_db

RETURNING = {"attribute": "visit_count", "operator": "gte", "value": 2}
FIRST_VISIT = {"attribute": "first_visit", "operator": "equals", "value": True}


@pytest.fixture
def hub(home, web_channel, indexed):
    """Articles about boots; "boots" promotes a sale to everyone, loyalty to returning visitors and a
    welcome guide to first-time ones."""
    with indexed():
        returning = SegmentFactory(key="returning", priority=10, definition=RETURNING)
        newcomer = SegmentFactory(key="first-visit", priority=20, definition=FIRST_VISIT)
        pages = {
            name: ArticlePageFactory(parent=home, title=title, summary=f"{name} summary")
            for name, title in (
                ("review", "Boots review"), ("care", "Caring for boots"), ("sale", "Winter sale"),
                ("loyalty", "Loyalty rewards"), ("welcome", "Welcome guide"), ("hidden", "Staff only"),
            )
        }
        query = Query.get("Boots")
        SearchPromotion.objects.create(query=query, page=pages["sale"], sort_order=1, description="Sale week")
        SegmentSearchPromotion.objects.create(
            query=query, segment=returning, page=pages["loyalty"], description="Thank them for coming back"
        )
        SegmentSearchPromotion.objects.create(query=query, segment=newcomer, page=pages["welcome"])
    profile_upsert(visitor_id="v-returning", consent=["behaviour"], now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    VisitorProfile.objects.filter(visitor_id="v-returning").update(visit_count=3)
    _, key = api_key_create(channel=web_channel, name="web", scopes=["delivery"])
    return {"pages": pages, "key": key, "returning": returning, "newcomer": newcomer, "query": query}


def search(hub, q="boots", visitor=None, **extra):
    headers = {"HTTP_X_VISITOR_ID": visitor, "HTTP_X_CONSENT": "behaviour"} if visitor else {}
    return Client().get("/api/v2/search/", {"q": q, **extra.pop("params", {})}, HTTP_AUTHORIZATION=f"Bearer {hub['key']}", **headers, **extra)


def promoted(response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.content
    return [(item["title"], item["promotion"]["segment"]) for item in response.json()["promoted"]]


def test_a_returning_visitor_and_a_first_time_visitor_get_different_pinned_results(hub):
    returning = search(hub, visitor="v-returning")
    first_time = search(hub, visitor="v-new")
    assert promoted(returning) == [("Loyalty rewards", "returning"), ("Winter sale", None)]
    assert promoted(first_time) == [("Welcome guide", "first-visit"), ("Winter sale", None)]
    # Why each applied, and the organic results beside them.
    assert returning.json()["promoted"][0]["promotion"] == {
        "page_id": hub["pages"]["loyalty"].pk, "segment": "returning", "reason": "segment",
        "description": "Thank them for coming back",
    }
    assert returning.json()["promoted"][1]["promotion"]["reason"] == "everyone"
    assert {item["title"] for item in returning.json()["items"]} == {"Boots review", "Caring for boots"}
    assert returning.json()["meta"]["personalization"]["segments"] == ["returning"]
    # Cached per digest of only the promotions' segments: two visitors, two bodies, each private.
    assert returning["Tailor-Segments-Digest"] != first_time["Tailor-Segments-Digest"]
    assert returning["Cache-Control"].startswith("private")
    assert "X-Visitor-Id" in returning["Vary"]


def test_the_query_is_matched_as_wagtail_normalises_it(hub):
    assert promoted(search(hub, q="  BOOTS  ", visitor="v-returning"))[0] == ("Loyalty rewards", "returning")


def test_a_query_without_segment_promotions_is_one_body_for_everyone(hub):
    SearchPromotion.objects.create(query=Query.get("winter"), page=hub["pages"]["sale"])
    responses = [search(hub, q="winter", visitor=visitor) for visitor in ("v-returning", "v-new", None)]
    assert {response["ETag"] for response in responses} == {responses[0]["ETag"]}
    assert all("Tailor-Segments-Digest" not in response for response in responses)
    assert promoted(responses[0]) == [("Winter sale", None)]


def test_promotions_come_only_with_the_first_page_of_results(hub):
    assert promoted(search(hub, visitor="v-new", params={"offset": "1"})) == []


def test_a_promoted_page_the_channel_may_not_see_is_never_shown(hub):
    hub["pages"]["loyalty"].unpublish()
    SearchPromotion.objects.create(query=hub["query"], page=hub["pages"]["hidden"], sort_order=0)
    hub["pages"]["hidden"].unpublish()
    assert promoted(search(hub, visitor="v-returning")) == [("Winter sale", None)]


def test_an_unpublished_segment_promotes_nothing(hub):
    hub["returning"].unpublish()
    assert promoted(search(hub, visitor="v-returning")) == [("Winter sale", None)]


def test_without_a_promotion_provider_only_everyones_promotions_apply(hub):
    previous = promotion_provider_register(None)
    try:
        response = search(hub, visitor="v-returning")
        assert promoted(response) == [("Winter sale", None)]
        assert "Tailor-Segments-Digest" not in response
    finally:
        promotion_provider_register(previous)
    assert promotion_provider() is previous


def test_without_a_personaliser_no_segment_promotion_applies(hub):
    previous = personaliser_register(None)
    try:
        assert promoted(search(hub, visitor="v-returning")) == [("Winter sale", None)]
        assert promoted(search(hub, visitor="v-new")) == [("Winter sale", None)]
    finally:
        personaliser_register(previous)
    assert personaliser() is previous


def test_an_edited_promotion_retires_cached_answers(hub, django_capture_on_commit_callbacks):
    assert promoted(search(hub, visitor="v-new"))[0][0] == "Welcome guide"
    with django_capture_on_commit_callbacks(execute=True):
        SegmentSearchPromotion.objects.filter(segment=hub["newcomer"]).update(page=hub["pages"]["care"])
        SegmentSearchPromotion.objects.get(segment=hub["newcomer"]).save()
    assert promoted(search(hub, visitor="v-new"))[0][0] == "Caring for boots"
    with django_capture_on_commit_callbacks(execute=True):
        SearchPromotion.objects.all().delete()
    assert ("Winter sale", None) not in promoted(search(hub, visitor="v-new"))


def test_explain_is_never_cached(hub):
    response = search(hub, visitor="v-returning", params={"explain": "1"})
    assert response["Cache-Control"] == "private, no-store"
    assert response.json()["meta"]["personalization"]["explain"]
