"""The OpenAPI schema describes POST /api/v2/events/ from the validator's own limits."""

import pytest
from django.conf import settings
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from personalization.events import validation

EVENTS = "/api/v2/events/"


@pytest.fixture(scope="module")
def generated():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(public=True)
    return schema, [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]


def test_the_events_operation_is_described_with_its_problems(generated):
    schema, messages = generated
    validate_schema(schema)
    assert [m for m in messages if "EventsView" in m] == []
    operation = schema["paths"][EVENTS]["post"]
    assert operation["operationId"] == "eventsCreate"
    assert operation["security"] == [{"ApiKey": []}]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/EventsRequest"}
    assert {"200", "400", "401", "403", "413", "415", "422", "429"} <= set(operation["responses"])
    assert operation["responses"]["422"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/EventsProblem"}}
    }
    # The 422 lists what became of each item, like a 200.
    problem = generated[0]["components"]["schemas"]["EventsProblem"]
    assert {"type", "status", "detail", "accepted", "duplicates", "rejected"} <= set(problem["required"])


def test_the_event_schema_states_the_validator_s_limits(generated):
    components = generated[0]["components"]["schemas"]
    event = components["Event"]
    assert set(event["properties"]) == validation.FIELDS
    assert event["required"] == ["id", "type", "visitor_id", "timestamp"]
    assert event["properties"]["id"]["maxLength"] == validation.MAX_ID_LENGTH
    assert components["EventsRequest"]["properties"]["events"]["maxItems"] == settings.EVENTS_MAX_BATCH
    assert components["EventsResponse"]["required"] == ["accepted", "duplicates", "rejected"]
