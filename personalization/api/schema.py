"""OpenAPI description of `POST /api/v2/personalize/decide/`, on the delivery API's components.

The request body is described by the serializer DecideView parses with (so the two cannot
drift); the response reuses the delivery API's resolved-slot shape and block components, and
errors are the delivery API's problem responses.
"""

from cms.api.schema import (
    EXPERIMENT_ASSIGNMENT,
    RATE_LIMIT_HEADERS,
    TIME_ZONE,
    BlockSchemas,
    DeliveryApiSchema,
    obj,
    problem_responses,
    ref,
    resolved_slot,
    string,
)
from personalization.models import Placement

# 400 JSON that does not parse, 401 no valid key, 403 a missing scope or an origin the channel does
# not list, 413 a body over MAX_BODY_BYTES, 415 not JSON, 422 a field the serializer or the
# visitor context refuses (`parameter` names it), 429 the key's rate limit.
DECIDE_ERRORS = (400, 401, 403, 413, 415, 422, 429)

DECIDE_RESPONSE = ref("DecideResponse")


def decide_components(block_schemas: BlockSchemas) -> dict[str, dict]:
    """The decide response and the per-placement choice it holds.

    PersonalizationConfig.ready registers it (cms.api.schema.register_component_builder), so that
    its blocks are walked with the pages' and a block type has one component.
    """
    stream_block = Placement._meta.get_field("default").stream_block
    choice = resolved_slot(
        block_schemas.value(stream_block, path="Placement.content"),
        "A placement resolved for this visitor and channel: `slot` is the placement's key; `content` holds "
        "the chosen variant's blocks (with mode `all`, every matching variant's, best first).",
    )
    response = obj(
        {
            "segments": {
                "type": "array",
                "items": string(),
                "description": "Keys of the live segments the visitor matched, by priority.",
            },
            "digest": string("Digest of the matched segments."),
            "placements": {
                "type": "object",
                "additionalProperties": ref("PlacementChoice"),
                "description": "The chosen content per placement key that exists.",
            },
            "experiments": {
                "type": "object",
                "additionalProperties": EXPERIMENT_ASSIGNMENT,
                "description": "Per experiment testing one of the placements: the visitor's arm and why.",
            },
            "unknown_placements": {
                "type": "array",
                "items": string(),
                "description": "Placement keys asked for that do not exist.",
            },
            "explain": {
                "type": "array",
                "items": {"type": "object"},
                "description": "With `explain: true`: which conditions decided each segment.",
            },
        },
        required=["segments", "digest", "placements", "unknown_placements"],
        description="The decision for a visitor context and the content it chose per placement.",
    )
    return {"PlacementChoice": choice, "DecideResponse": response}


class DecideSchema(DeliveryApiSchema):
    """DecideView's operation as `extend_schema` declares it, with the delivery API's error responses.

    It extends DeliveryApiSchema for its component registration: the `Problem` and block
    components exist whichever operation drf-spectacular describes first.
    """

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        """drf-spectacular's operation, with the no-store and rate-limit headers and the problem responses."""
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        self._register_components()
        no_store = {"schema": string(), "description": "`private, no-store`: decisions are per visitor."}
        operation["responses"]["200"]["headers"] = {"Cache-Control": no_store, **RATE_LIMIT_HEADERS}
        operation["responses"].update(problem_responses(DECIDE_ERRORS))
        return operation
