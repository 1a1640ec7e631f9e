"""The suite-wide check of `/api/` responses against the OpenAPI schema (tests/helpers/api_contract.py)."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cms.api.views import DeliveryPagesViewSet
from tests.factories import ArticlePageFactory
from tests.helpers.api_contract import ResponseContractError, response_contract, strict

pytestmark = pytest.mark.django_db

JSON = {"Content-Type": "application/json"}
PROBLEM = {"Content-Type": "application/problem+json"}


def problem(status: int) -> bytes:
    text = "x"
    return json.dumps({"type": "about:blank", "title": text, "status": status, "detail": text, "message": text}).encode()


def test_a_member_the_code_adds_without_describing_it_fails_the_request(home, web_key, monkeypatch):
    article = ArticlePageFactory(parent=home, title="Drift")
    describe = DeliveryPagesViewSet._personalization_meta

    def drifting(self, *args):
        return {**describe(self, *args), "undeclared": True}

    monkeypatch.setattr(DeliveryPagesViewSet, "_personalization_meta", drifting)
    with pytest.raises(ResponseContractError, match=r"meta/personalization: .*'undeclared' was unexpected"):
        Client().get(f"/api/v2/pages/{article.pk}/", HTTP_AUTHORIZATION=f"Bearer {web_key}")
    client = APIClient()  # DRF's client goes through the same check
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {web_key}")
    with pytest.raises(ResponseContractError, match="'undeclared' was unexpected"):
        client.get("/api/v2/pages/")


def test_conforming_responses_pass(home, web_key):
    article = ArticlePageFactory(parent=home, title="Fine")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {web_key}")
    assert client.get(f"/api/v2/pages/{article.pk}/").status_code == 200
    assert client.get("/api/v2/pages/?limit=nope").status_code == 400
    assert client.get("/api/v2/nowhere/").status_code == 404
    assert client.post("/api/v2/pages/").status_code == 405


def test_status_content_type_and_body_are_each_checked():
    contract = response_contract()
    detail = "/api/v2/images/1/"
    assert contract.problems("get", detail, 418, JSON, b"{}") == [
        "status 418 is not declared (declared: 200, 304, 400, 401, 403, 404, 429, 500, 503)"
    ]
    assert contract.problems("get", detail, 404, JSON, problem(404)) == [
        "content type 'application/json' is not declared (declared: application/problem+json)"
    ]
    assert contract.problems("get", detail, 404, PROBLEM, problem(404)) == []
    missing = contract.problems("get", detail, 404, PROBLEM, b'{"title": "x"}')
    assert missing and all("is a required property" in line for line in missing)
    assert contract.problems("get", detail, 304, {}, b"") == []
    assert contract.problems("get", "/api/v2/pages/find/", 302, {}, b"") == ["required header Location is missing"]


def test_a_path_outside_the_schema_may_only_answer_problem_details():
    contract = response_contract()
    assert contract.problems("get", "/api/v2/nowhere/", 404, PROBLEM, problem(404)) == []
    assert contract.problems("get", "/api/v2/nowhere/", 200, JSON, b"{}") == [
        "200 for an unknown path: expected a 404 problem details body"
    ]
    assert contract.problems("delete", "/api/v2/pages/", 405, PROBLEM, problem(405)) == []
    assert contract.problems("delete", "/api/v2/pages/", 204, {}, b"") == [
        "204 for a method /api/v2/pages/ does not declare: expected a 405 problem details body"
    ]


def test_strict_closes_unstated_objects_keeps_stated_ones_and_reads_nullable():
    schema = {
        "type": "object",
        "properties": {
            "closed": {"type": "object", "properties": {"a": {"type": "integer"}}},
            "open": {"type": "object", "properties": {}, "additionalProperties": True},
            "maybe": {"type": "string", "nullable": True},
        },
    }
    assert strict(schema) == {
        "type": "object",
        "properties": {
            "closed": {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False},
            "open": {"type": "object", "properties": {}, "additionalProperties": True},
            "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "additionalProperties": False,
    }
