"""OpenAPI description of `POST /api/v2/feedback/`, built from the limits the validator applies."""

from django.conf import settings

from cms.api.problems import PROBLEM_CONTENT_TYPE
from cms.api.schema import RATE_LIMIT_HEADERS, DeliveryApiSchema, obj, problem_responses, ref, string
from cms.api.schema.problems import PROBLEM
from personalization.events import validation as limits

from . import validation

# As the events endpoint: 400 not a JSON batch, 401 no valid key, 403 no `feedback` scope or an
# origin the channel does not list, 413 too large, 415 not JSON, 422 nothing stored, 429 rate limit.
FEEDBACK_ERRORS = (400, 401, 403, 413, 415, 422, 429)
NO_NULL = "^[^\\u0000]*$"


def _text(max_length: int, description: str) -> dict:
    return string(description, minLength=1, maxLength=max_length, pattern=NO_NULL)


def feedback_components(_block_schemas=None) -> dict[str, dict]:
    """The batch, one item, and the per-item answer (registered by InsightConfig.ready)."""
    item = obj(
        {
            "external_id": _text(validation.MAX_EXTERNAL_ID_LENGTH, "The source's id for the item: a retry is recognised by it."),
            "text": _text(validation.MAX_TEXT_LENGTH, "What the customer wrote."),
            "source": {"type": "string", "enum": sorted(validation.SOURCES), "description": "Where it was written."},
            "visitor_id": _text(limits.MAX_VISITOR_ID_LENGTH, "The anonymous visitor id (`X-Visitor-Id`)."),
            "customer_id": _text(limits.MAX_VISITOR_ID_LENGTH, "The customer's id in the CRM."),
            "page": {"type": "integer", "minimum": 1, "maximum": limits.MAX_PAGE_ID, "description": "The page it is about."},
            "rating": {"type": "integer", "minimum": 0, "maximum": 10, "description": "A rating on `rating_scale`."},
            "rating_scale": {"type": "string", "enum": sorted(validation.SCALES), "description": "1-5 or 0-10."},
            "language": _text(validation.MAX_LANGUAGE_LENGTH, "A language tag, e.g. `en`."),
            "timestamp": string("When it was written: RFC 3339 with an offset, not in the future.", format="date-time"),
            "segments": {
                "type": "array", "maxItems": limits.MAX_SEGMENTS,
                "items": _text(limits.MAX_NAME_LENGTH, "A segment key."),
                "description": "Segment keys the customer was in (`meta.personalization.segments`).",
            },
        },
        required=["external_id", "text", "source", "timestamp"],
        description="Something a customer wrote.",
        additionalProperties=False,
    )
    request = obj(
        {"feedback": {"type": "array", "items": ref("FeedbackItem"), "minItems": 1, "maxItems": settings.FEEDBACK_MAX_BATCH}},
        required=["feedback"],
        description="A batch of feedback.",
        additionalProperties=False,
    )
    ids = {"type": "array", "items": string()}
    response = obj(
        {
            "accepted": {**ids, "description": "External ids of the items stored by this request."},
            "duplicates": {**ids, "description": "External ids already stored (a retry): nothing new was created."},
            "rejected": {"type": "array", "items": ref("EventRejection"), "description": "Items not stored, with why."},
        },
        required=["accepted", "duplicates", "rejected"],
        description="What became of each item; valid items are stored even when others are rejected.",
    )
    problem = obj(
        {**PROBLEM["properties"], **response["properties"]},
        required=[*PROBLEM["required"], *response["required"]],
        description="Problem details for a batch of which nothing could be stored, with what became of each item.",
    )
    return {"FeedbackItem": item, "FeedbackRequest": request, "FeedbackResponse": response, "FeedbackProblem": problem}


class FeedbackSchema(DeliveryApiSchema):
    """FeedbackView's operation, with the rate-limit headers and the problem responses."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        self._register_components()
        operation["responses"]["200"]["headers"] = dict(RATE_LIMIT_HEADERS)
        operation["responses"].update(problem_responses(FEEDBACK_ERRORS))
        operation["responses"]["422"]["content"][PROBLEM_CONTENT_TYPE]["schema"] = ref("FeedbackProblem")
        return operation
