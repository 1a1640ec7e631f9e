"""One customer, many visitor ids: identify merges profiles, rules read the merged profile from any id."""

from datetime import datetime, timedelta, timezone

import pytest

from personalization.customers.identity import IdentityConflict, identify
from personalization.models import ProfileMerge, VisitorProfile
from personalization.profiles import events_apply, profile_load, profile_upsert, visits_apply

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)


def test_identifying_an_anonymous_visitor_merges_its_profile_into_the_customers(crm):
    customer = profile_upsert(visitor_id="web-1", consent=["behaviour", "crm"], traits={"plan": "gold"})
    VisitorProfile.objects.filter(pk=customer.pk).update(visit_count=3, first_seen=NOW, pages_visited=["/a/"])
    assert crm.post("profiles/web-1/identify/", {"customer_id": "C-1"}).json()["joined"] == ["web-1"]
    app = profile_upsert(visitor_id="app-1", consent=["behaviour", "crm"], traits={"plan": "free", "city": "Oslo"})
    VisitorProfile.objects.filter(pk=app.pk).update(
        visit_count=2, first_seen=NOW - timedelta(days=5), pages_visited=["/b/"],
        events=[{"name": "click", "at": NOW.isoformat(), "target": "hero"}],
    )
    response = crm.post("profiles/app-1/identify/", {"customer_id": "C-1"})
    assert response.status_code == 200, response.content
    assert response.json() == {"visitor_id": "app-1", "customer_id": "C-1", "visitor_ids": ["web-1", "app-1"],
                               "joined": ["app-1"]}
    merged = VisitorProfile.objects.get(customer_id="C-1")
    assert (merged.visitor_id, merged.visit_count, merged.first_seen) == ("web-1", 5, NOW - timedelta(days=5))
    assert set(merged.pages_visited) == {"/a/", "/b/"} and len(merged.events) == 1
    assert merged.traits == {"plan": "gold", "city": "Oslo"}  # the customer's CRM value wins
    assert VisitorProfile.objects.get(visitor_id="app-1").merged_into == merged
    provenance = list(ProfileMerge.objects.values_list("visitor_id", "customer_id", "reason"))
    assert [row[:2] for row in provenance] == [("web-1", "C-1"), ("app-1", "C-1")]
    assert all(reason.startswith("api identify (key ") for *_, reason in provenance)
    # Either id reads the one merged profile.
    for visitor_id in ("web-1", "app-1"):
        loaded = profile_load(visitor_id)
        assert (loaded.visit_count, loaded.traits["city"]) == (5, "Oslo")


def test_a_visitor_id_of_one_customer_is_never_merged_into_another(crm):
    identify(visitor_id="v-1", customer_id="C-1", reason="test")
    identify(visitor_id="v-2", customer_id="C-2", reason="test")
    response = crm.post("profiles/v-2/identify/", {"customer_id": "C-1"})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert VisitorProfile.objects.get(visitor_id="v-2").customer_id == "C-2"
    assert VisitorProfile.objects.get(visitor_id="v-2").merged_into is None
    # a merged id of C-1 cannot be claimed by C-2 either
    identify(visitor_id="v-3", customer_id="C-1", reason="test")
    with pytest.raises(IdentityConflict):
        identify(visitor_id="v-3", customer_id="C-2", reason="test")
    assert VisitorProfile.objects.get(visitor_id="v-3").merged_into.customer_id == "C-1"


def test_identifying_again_changes_nothing(crm):
    first = crm.post("profiles/v-1/identify/", {"customer_id": "C-1"}).json()
    again = crm.post("profiles/v-1/identify/", {"customer_id": "C-1"}).json()
    assert (first["joined"], again["joined"]) == (["v-1"], [])
    assert ProfileMerge.objects.count() == 1


def test_a_merge_keeps_only_the_consent_both_ids_had():
    profile_upsert(visitor_id="web", consent=["behaviour", "crm"])
    identify(visitor_id="web", customer_id="C-1", reason="test")
    profile_upsert(visitor_id="kiosk", consent=["crm"])
    identify(visitor_id="kiosk", customer_id="C-1", reason="test")
    assert list(VisitorProfile.objects.filter(customer_id="C-1").values_list("consent", flat=True)) == [["crm"]]
    # every id of the customer carries it, as ingestion reads consent from the id's own row
    assert dict(VisitorProfile.objects.values_list("visitor_id", "consent")) == {"web": ["crm"], "kiosk": ["crm"]}


def test_visits_and_events_of_any_id_land_on_the_customers_profile():
    profile_upsert(visitor_id="web", consent=["behaviour"])
    identify(visitor_id="web", customer_id="C-1", reason="test")
    identify(visitor_id="app", customer_id="C-1", reason="test")
    visits_apply(visits={"app": 2, "web": 1}, at=NOW.isoformat(), pages={"app": ["/p/"]})
    events_apply(events={"app": [{"name": "click", "at": NOW.isoformat(), "target": "x"}]})
    customer = VisitorProfile.objects.get(customer_id="C-1")
    assert (customer.visit_count, customer.pages_visited, len(customer.events)) == (3, ["/p/"], 1)
    assert VisitorProfile.objects.get(visitor_id="app").visit_count == 0
    assert profile_load("app").visit_count == 3


def test_the_decision_for_a_merged_id_is_one_query(django_assert_num_queries):
    profile_upsert(visitor_id="web", consent=["behaviour"])
    identify(visitor_id="web", customer_id="C-1", reason="test")
    identify(visitor_id="app", customer_id="C-1", reason="test")
    with django_assert_num_queries(1):
        assert profile_load("app").consent == frozenset({"behaviour"})


@pytest.mark.parametrize("body", [{"customer_id": ""}, {"customer_id": 7}, {"customer_id": "x" * 129}])
def test_an_invalid_customer_id_is_a_422(crm, body):
    response = crm.post("profiles/v-1/identify/", body)
    assert response.status_code == 422
    assert response.json()["parameter"] == "customer_id"
    assert not VisitorProfile.objects.exists()


def test_the_crm_scope_is_required(events_key):
    from django.test import Client

    response = Client().post("/api/v2/profiles/v-1/identify/", {"customer_id": "C"}, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {events_key}")
    assert response.status_code == 403


def test_a_decision_for_any_id_of_the_customer_reads_the_merged_profile(channel, django_capture_on_commit_callbacks):
    from django.test import Client

    from cms.api.keys import api_key_create
    from personalization.models import TraitDefinition
    from tests.factories import SegmentFactory

    TraitDefinition.objects.create(name="plan", type="string")
    with django_capture_on_commit_callbacks(execute=True):
        SegmentFactory(key="gold", definition={"attribute": "trait.plan", "operator": "equals", "value": "gold"})
    key = api_key_create(channel=channel, name="delivery", scopes=["delivery"])[1]
    profile_upsert(visitor_id="web", consent=["crm"], traits={"plan": "gold"})
    identify(visitor_id="web", customer_id="C-1", reason="test")

    def segments(visitor_id: str) -> list[str]:
        response = Client().post("/api/v2/personalize/decide/", {"context": {"visitor_id": visitor_id}, "placements": ["hero"]},
                                 content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 200, response.content
        return response.json()["segments"]

    assert segments("app") == []
    with django_capture_on_commit_callbacks(execute=True):
        identify(visitor_id="app", customer_id="C-1", reason="test")  # forgets the cached anonymous read
    assert segments("app") == ["gold"]
