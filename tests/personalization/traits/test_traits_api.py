"""`PUT`/`PATCH /api/v2/profiles/<visitor_id>/traits/` (scope `crm`); responses checked against the schema."""

import json

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from personalization.models import TraitDefinition, VisitorProfile
from personalization.profiles import profile_upsert
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(db):
    return ChannelFactory(slug="crm")


@pytest.fixture
def crm_key(channel) -> str:
    return api_key_create(channel=channel, name="crm", scopes=["crm"])[1]


@pytest.fixture
def catalogue(db):
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold", "silver"])
    TraitDefinition.objects.create(name="ltv", type="number")
    TraitDefinition.objects.create(name="newsletter", type="boolean")
    TraitDefinition.objects.create(name="renewal", type="date")
    TraitDefinition.objects.create(name="favourite_section", type="string", category="behaviour")
    TraitDefinition.objects.create(name="churn_risk", type="number", computed=True)


def send(method: str, visitor_id: str, body, key: str, content_type: str = "application/json"):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return getattr(Client(), method)(
        f"/api/v2/profiles/{visitor_id}/traits/", raw, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {key}"
    )


def test_patch_creates_the_profile_and_merges(crm_key, catalogue):
    first = send("patch", "cust-1", {"traits": {"tier": "gold", "ltv": 120.5}}, crm_key)
    assert first.status_code == 200, first.content
    assert first.json() == {"visitor_id": "cust-1", "traits": {"tier": "gold", "ltv": 120.5}, "changed": ["ltv", "tier"], "removed": []}

    second = send("patch", "cust-1", {"traits": {"ltv": None, "newsletter": True, "tier": "gold"}}, crm_key)

    assert second.json() == {"visitor_id": "cust-1", "traits": {"tier": "gold", "newsletter": True}, "changed": ["newsletter"], "removed": ["ltv"]}
    profile = VisitorProfile.objects.get(visitor_id="cust-1")
    assert profile.trait_sources.keys() == {"tier", "newsletter"}
    assert profile.trait_sources["newsletter"]["source"] == "api"
    assert second["Cache-Control"] == "no-store"


def test_put_replaces_crm_traits_and_keeps_behaviour_and_computed_ones(crm_key, catalogue):
    profile_upsert(visitor_id="cust-2", traits={"tier": "silver", "ltv": 10, "favourite_section": "shoes", "churn_risk": 0.4})

    response = send("put", "cust-2", {"traits": {"tier": "gold", "renewal": "2027-01-31"}}, crm_key)

    assert response.status_code == 200
    assert response.json()["traits"] == {"tier": "gold", "renewal": "2027-01-31", "favourite_section": "shoes", "churn_risk": 0.4}
    assert response.json()["removed"] == ["ltv"]


def test_every_refused_trait_is_listed_and_nothing_is_written(crm_key, catalogue):
    profile_upsert(visitor_id="cust-3", traits={"tier": "silver"})
    body = {"traits": {"tier": "platinum", "ltv": "12", "shoe_size": 42, "churn_risk": 0.1, "renewal": "31/01/2027", "newsletter": True}}

    response = send("patch", "cust-3", body, crm_key)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = {error["trait"]: error["code"] for error in response.json()["errors"]}
    assert errors == {"tier": "invalid_value", "ltv": "invalid_value", "shoe_size": "unknown_trait", "churn_risk": "computed_trait", "renewal": "invalid_value"}
    assert VisitorProfile.objects.get(visitor_id="cust-3").traits == {"tier": "silver"}


def test_put_refuses_null(crm_key, catalogue):
    response = send("put", "cust-4", {"traits": {"tier": None}}, crm_key)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "invalid_value"
    assert not VisitorProfile.objects.filter(visitor_id="cust-4").exists()


def test_the_crm_scope_is_required(channel, catalogue):
    events_only = api_key_create(channel=channel, name="events", scopes=["events"])[1]
    response = send("patch", "cust-5", {"traits": {"tier": "gold"}}, events_only)
    assert response.status_code == 403
    assert "crm" in response.json()["detail"]
    assert send("patch", "cust-5", {"traits": {"tier": "gold"}}, "tlr_nope_nope").status_code == 401
    assert not VisitorProfile.objects.filter(visitor_id="cust-5").exists()


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        ("{not json", "application/json", 400),
        ({"tier": "gold"}, "application/json", 400),
        ({"traits": ["tier"]}, "application/json", 400),
        ("traits=1", "text/plain", 415),
        (json.dumps({"traits": {"tier": "x" * 70_000}}), "application/json", 413),
    ],
)
def test_bad_bodies_are_problems(crm_key, catalogue, body, content_type, status):
    response = send("patch", "cust-6", body, crm_key, content_type=content_type)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_a_visitor_id_too_long_is_a_problem(crm_key, catalogue):
    response = send("patch", "v" * 129, {"traits": {"tier": "gold"}}, crm_key)
    assert response.status_code == 400 and response.json()["parameter"] == "visitor_id"


def test_the_operations_are_described_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(public=True)
    validate_schema(schema)
    assert [m for m in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache] if "ProfileTraitsView" in m] == []
    path = schema["paths"]["/api/v2/profiles/{visitor_id}/traits/"]
    assert {path["put"]["operationId"], path["patch"]["operationId"]} == {"profileTraitsReplace", "profileTraitsUpdate"}
    for operation in (path["put"], path["patch"]):
        assert {"200", "400", "401", "403", "413", "415", "422", "429"} <= set(operation["responses"])
        assert operation["responses"]["422"]["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/TraitsProblem"}
