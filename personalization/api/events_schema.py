"""OpenAPI description of `POST /api/v2/events/`, built from the limits the validator applies."""

from django.conf import settings

from cms.api.problems import PROBLEM_CONTENT_TYPE
from cms.api.schema import RATE_LIMIT_HEADERS, DeliveryApiSchema, obj, problem_responses, ref, string
from cms.api.schema.problems import PROBLEM
from personalization.events import validation as limits

# 400 JSON that does not parse or is not a batch, 401 no valid key, 403 no `events` scope or an origin
# the channel does not list, 413 a body or batch too large, 415 not JSON, 422 no event of the batch
# could be stored (the body lists why, per item), 429 the key's rate limit.
EVENTS_ERRORS = (400, 401, 403, 413, 415, 422, 429)
NO_NULL = "^[^\\u0000]*$"


def _text(max_length: int, description: str) -> dict:
    return string(description, minLength=1, maxLength=max_length, pattern=NO_NULL)


def events_components(_block_schemas=None) -> dict[str, dict]:
    """The batch, one event in it, and the per-item answer (registered by PersonalizationConfig.ready)."""
    event = obj(
        {
            "id": _text(limits.MAX_ID_LENGTH, "Made by the client, unique per event: a retry is recognised by it."),
            "type": _text(limits.MAX_NAME_LENGTH, "`impression`, `click`, `conversion`, `view` or a declared type."),
            "visitor_id": _text(limits.MAX_VISITOR_ID_LENGTH, "The anonymous visitor id (`X-Visitor-Id`)."),
            "timestamp": string(
                "RFC 3339 with an offset, within the server's accepted window.", format="date-time"
            ),
            "page": {"type": "integer", "minimum": 1, "maximum": limits.MAX_PAGE_ID, "description": "A page id."},
            "placement": _text(limits.MAX_PLACEMENT_LENGTH, "The placement key or slot the event is about."),
            "slot": _text(limits.MAX_PLACEMENT_LENGTH, "Another name for `placement`."),
            "variant": _text(limits.MAX_NAME_LENGTH, "The variant shown."),
            "experiment": _text(limits.MAX_NAME_LENGTH, "The experiment the visitor is in."),
            "arm": _text(limits.MAX_NAME_LENGTH, "The experiment's arm."),
            "segments": {
                "type": "array", "maxItems": limits.MAX_SEGMENTS,
                "items": _text(limits.MAX_NAME_LENGTH, "A segment key."),
                "description": "Segment keys the visitor was served for (`meta.personalization.segments`).",
            },
            "value": {"type": "number", "description": "An amount, e.g. revenue (4 decimal places kept)."},
            "properties": {
                "type": "object",
                "description": "Only the keys declared for the event type, each of its declared type.",
                "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]},
            },
        },
        required=["id", "type", "visitor_id", "timestamp"],
        description="Something a visitor did.",
        additionalProperties=False,
    )
    request = obj(
        {"events": {"type": "array", "items": ref("Event"), "minItems": 1, "maxItems": settings.EVENTS_MAX_BATCH}},
        required=["events"],
        description="A batch of events.",
        additionalProperties=False,
    )
    rejection = obj(
        {
            "index": {"type": "integer", "description": "Position in the batch."},
            "id": {**string("The item's id, if it had a readable one."), "nullable": True},
            "status": {"type": "integer", "enum": [422], "description": "The item's own status."},
            "code": string(
                "Why: `invalid`, `missing`, `unknown_field`, `unknown_type`, `unknown_property`, "
                "`invalid_property`, `invalid_value`, `invalid_timestamp`, `timestamp_out_of_window`, "
                "`unknown_segment` or `id_reused`."
            ),
            "detail": string("The reason in words."),
        },
        required=["index", "id", "status", "code", "detail"],
    )
    ids = {"type": "array", "items": string()}
    response = obj(
        {
            "accepted": {**ids, "description": "Ids of the events stored by this request."},
            "duplicates": {**ids, "description": "Ids already stored (a retry): nothing new was created."},
            "rejected": {"type": "array", "items": ref("EventRejection"), "description": "Items not stored."},
        },
        required=["accepted", "duplicates", "rejected"],
        description="What became of each item; valid items are stored even when others are rejected.",
    )
    # 422: no item could be stored; the problem carries the same lists as a 200.
    problem = obj(
        {**PROBLEM["properties"], **response["properties"]},
        required=[*PROBLEM["required"], *response["required"]],
        description="Problem details for a batch of which nothing could be stored, with what became of each item.",
    )
    return {
        "Event": event, "EventsRequest": request, "EventRejection": rejection, "EventsResponse": response,
        "EventsProblem": problem,
    }


class EventsSchema(DeliveryApiSchema):
    """EventsView's operation, with the rate-limit headers and the problem responses."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        self._register_components()
        operation["responses"]["200"]["headers"] = dict(RATE_LIMIT_HEADERS)
        operation["responses"].update(problem_responses(EVENTS_ERRORS))
        operation["responses"]["422"]["content"][PROBLEM_CONTENT_TYPE]["schema"] = ref("EventsProblem")
        return operation
