"""OpenAPI description of `PUT`/`PATCH /api/v2/profiles/{visitor_id}/traits/`."""

from cms.api.problems import PROBLEM_CONTENT_TYPE
from cms.api.schema import RATE_LIMIT_HEADERS, DeliveryApiSchema, obj, problem_responses, ref, string
from cms.api.schema.problems import PROBLEM

MAX_BODY_BYTES = 64 * 1024
# 400 a bad id or body, 401 no valid key, 403 no `crm` scope or a refused origin, 413 too large,
# 409 an erased id (until it consents again), 415 not JSON, 422 a trait refused (each listed),
# 429 the key's rate limit.
TRAITS_ERRORS = (400, 401, 403, 409, 413, 415, 422, 429)

TRAIT_VALUE = {
    "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
    "description": "Of the trait's type: text, a number, true/false, a date as `YYYY-MM-DD`, or one of its choices.",
}


def traits_components(_block_schemas=None) -> dict[str, dict]:
    """The request, the answer and the 422 problem (registered by PersonalizationConfig.ready)."""
    request = obj(
        {
            "traits": {
                "type": "object",
                "additionalProperties": {**TRAIT_VALUE, "nullable": True},
                "description": "Trait values by name (`null` removes one, PATCH only).",
            }
        },
        required=["traits"],
        additionalProperties=False,
        description="Trait values by the catalogue's names.",
    )
    response = obj(
        {
            "visitor_id": string("The visitor id."),
            "traits": {"type": "object", "additionalProperties": TRAIT_VALUE, "description": "Every trait now stored."},
            "changed": {"type": "array", "items": string(), "description": "Traits set to a new value."},
            "removed": {"type": "array", "items": string(), "description": "Traits removed."},
        },
        required=["visitor_id", "traits", "changed", "removed"],
        description="The visitor's traits after the write.",
    )
    error = obj(
        {
            "trait": string("The trait's name as sent."),
            "code": string("`unknown_trait`, `computed_trait` or `invalid_value`.", enum=["unknown_trait", "computed_trait", "invalid_value"]),
            "detail": string("The reason in words."),
        },
        required=["trait", "code", "detail"],
    )
    problem = obj(
        {**PROBLEM["properties"], "errors": {"type": "array", "items": ref("TraitError"), "minItems": 1}},
        required=[*PROBLEM["required"], "errors"],
        description="Problem details listing every refused trait.",
    )
    return {"TraitsRequest": request, "TraitsResponse": response, "TraitError": error, "TraitsProblem": problem}


class TraitsSchema(DeliveryApiSchema):
    """ProfileTraitsView's operations, with the rate-limit headers and the problem responses."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        self._register_components()
        operation["responses"]["200"]["headers"] = dict(RATE_LIMIT_HEADERS)
        operation["responses"].update(problem_responses(TRAITS_ERRORS))
        operation["responses"]["422"]["content"][PROBLEM_CONTENT_TYPE]["schema"] = ref("TraitsProblem")
        return operation
