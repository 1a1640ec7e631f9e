"""`POST /api/v2/events/`: a batch of what visitors did, stored before the answer.

The body is read and decoded here, not by DRF's parser or a serializer: a batch of 500
events must cost little more than its JSON decoding and one INSERT. Each event is checked
by the pure validator (personalization.events.validation), so one bad item costs only itself.
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from cms.api.schema import ref
from cms.api.views import ChannelContextMixin
from personalization.api.batches import batch_answer, json_batch
from personalization.api.events_schema import EventsSchema
from personalization.events.ingest import events_ingest


class EventsView(ChannelContextMixin, APIView):
    """Report impressions, clicks, conversions and declared custom events for the key's channel."""

    required_scope = "events"
    parser_classes = [JSONParser]  # what the schema states; the body is decoded by `_batch`
    schema = EventsSchema()

    @extend_schema(
        operation_id="eventsCreate",
        tags=["events"],
        summary="Report a batch of events",
        description=(
            f"Stores up to {settings.EVENTS_MAX_BATCH} events ({settings.EVENTS_MAX_BODY_BYTES} bytes of JSON) "
            "for the key's channel, committed before the answer. Idempotent by event `id`: a retried batch "
            "stores nothing twice and lists the known ids under `duplicates`. Each item is checked on its "
            "own: valid items are stored, the others listed under `rejected` with a code. When no item "
            "could be stored the answer is a 422 problem carrying the same lists. Without `behaviour` "
            "consent (`X-Consent`, else the visitor's stored consent) an event is stored without its "
            "visitor id and never reaches a profile. No IP address is stored."
        ),
        request={"application/json": ref("EventsRequest")},
        responses={200: OpenApiResponse(ref("EventsResponse"), description="Stored (some items may be rejected).")},
    )
    def post(self, request):
        """Validate, store and report on a batch."""
        items = _batch(request)
        result = events_ingest(channel_id=request.auth.channel_id, items=items, headers=request.headers)
        return batch_answer(result, noun="event")


def _batch(request) -> list:
    return json_batch(
        request, member="events", noun="event", max_bytes=settings.EVENTS_MAX_BODY_BYTES, max_items=settings.EVENTS_MAX_BATCH
    )
