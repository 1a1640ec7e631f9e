"""`POST /api/v2/feedback/`: a batch of what customers wrote, scored and stored before the answer.

Parsed like the events endpoint (personalization/api/events.py): one JSON decode, each item
checked on its own by the pure validator, so one bad item costs only itself.
"""

import json

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.api.problems import ProblemError, problem_response
from cms.api.schema import ref
from cms.api.views import ChannelContextMixin
from personalization.api.views import declared_length

from .api_schema import FeedbackSchema
from .ingest import feedback_ingest


class FeedbackView(ChannelContextMixin, APIView):
    """Send survey answers, support tickets, social posts and reviews for the key's channel."""

    required_scope = "feedback"
    parser_classes = [JSONParser]  # what the schema states; the body is decoded by `_batch`
    schema = FeedbackSchema()

    @extend_schema(
        operation_id="feedbackCreate",
        tags=["feedback"],
        summary="Send a batch of feedback",
        description=(
            f"Stores up to {settings.FEEDBACK_MAX_BATCH} items ({settings.FEEDBACK_MAX_BODY_BYTES} bytes of JSON) for "
            "the key's channel, each scored for sentiment in the hub (no text leaves it) and committed before "
            "the answer. Idempotent by `external_id` per `source`: a retried batch stores nothing twice and lists "
            "the known ids under `duplicates`. Valid items are stored, the others listed under `rejected` with a "
            "code; when none could be stored the answer is a 422 problem with the same lists. Without `behaviour` "
            "or `crm` consent (`X-Consent`, else the visitor's stored consent) an item is stored without its "
            "visitor and customer ids."
        ),
        request={"application/json": ref("FeedbackRequest")},
        responses={200: OpenApiResponse(ref("FeedbackResponse"), description="Stored (some items may be rejected).")},
    )
    def post(self, request):
        """Validate, score, store and report on a batch."""
        items = _batch(request)
        result = feedback_ingest(channel_id=request.auth.channel_id, items=items, headers=request.headers)
        body = result.as_dict()
        if not result.accepted and not result.duplicates:
            return problem_response(422, "no feedback item of the batch could be stored: see `rejected`", extra=body)
        return Response(body, headers={"Cache-Control": "no-store"})


def _batch(request) -> list:
    """The batch's items, or a problem: 413 too large, 415 not JSON, 400 not a JSON batch."""
    limit = settings.FEEDBACK_MAX_BODY_BYTES
    if declared_length(request) > limit:
        raise ProblemError(f"request body is larger than {limit} bytes", status_code=413)
    if not (request.content_type or "").startswith("application/json"):
        raise UnsupportedMediaType(request.content_type, "send feedback as application/json")
    raw = request._request.read(limit + 1)  # bounded whatever Content-Length claimed
    if len(raw) > limit:
        raise ProblemError(f"request body is larger than {limit} bytes", status_code=413)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProblemError(f"JSON parse error - {exc}"[:200]) from exc
    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list) or body.keys() != {"feedback"}:
        raise ProblemError('the body must be {"feedback": [...]}', parameter="feedback")
    items = body["feedback"]
    if not items:
        raise ProblemError("the batch holds no feedback item", parameter="feedback")
    if len(items) > settings.FEEDBACK_MAX_BATCH:
        raise ProblemError(f"a batch holds at most {settings.FEEDBACK_MAX_BATCH} items", status_code=413, parameter="feedback")
    return items
