"""`POST /api/v2/feedback/`: a batch of what customers wrote, scored and stored before the answer.

Parsed like the events endpoint (personalization/api/events.py): one JSON decode, each item
checked on its own by the pure validator, so one bad item costs only itself.
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from cms.api.schema import ref
from cms.api.views import ChannelContextMixin
from personalization.api.batches import batch_answer, json_batch

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
        return batch_answer(result, noun="feedback item")


def _batch(request) -> list:
    return json_batch(
        request, member="feedback", noun="feedback item", max_bytes=settings.FEEDBACK_MAX_BODY_BYTES, max_items=settings.FEEDBACK_MAX_BATCH
    )
