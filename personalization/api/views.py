"""`POST /api/v2/personalize/decide/`: a visitor context and placement keys in, chosen content out."""

from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.api.problems import ProblemError
from cms.api.views import ChannelContextMixin
from personalization.api.schema import DECIDE_RESPONSE, TIME_ZONE, DecideSchema
from personalization.delivery import PersonalizationState
from personalization.events.served import served_decision_note
from personalization.models import Placement
from personalization.request_context import MAX_VALUE_LENGTH, ContextError

MAX_BODY_BYTES = 64 * 1024
MAX_PLACEMENTS = 50
# The visitor context names a few attributes after their query parameter; its errors name the body's field.
CONTEXT_FIELDS = {"tz": "timezone"}


class _JSONStringOnly:
    """JSON strings only, as the schema says: DRF's text fields would take a number as its digits."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(_JSONStringOnly, serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # DRF refuses NUL characters in text; as a pattern, the schema says so too.
        self.validators.append(RegexValidator(r"^[^\x00]*\Z", message="Null characters are not allowed."))


class StrictSlugField(_JSONStringOnly, serializers.SlugField):
    pass


# min_length=1 repeats the non-blank rule of CharField so that the schema states it too.
def _text(max_length: int, help_text: str = "") -> serializers.CharField:
    return StrictCharField(min_length=1, max_length=max_length, required=False, help_text=help_text)


def _texts(help_text: str) -> serializers.DictField:
    return serializers.DictField(child=_text(MAX_VALUE_LENGTH), required=False, help_text=help_text)


@extend_schema_field(TIME_ZONE)
class TimeZoneField(StrictCharField):
    """A time zone name: the schema lists the IANA names (the visitor context refuses any other, 422)."""


@extend_schema_serializer(component_name="DecideContext")
class ContextSerializer(serializers.Serializer):
    """The visitor context: what a page request carries in its headers and query parameters."""

    visitor_id = StrictCharField(
        max_length=128, required=False, allow_blank=True,
        help_text="A stable anonymous visitor id; it links the stored profile (`X-Visitor-Id`).",
    )
    # Longer attribute values are refused by the visitor context too; here the error names the field.
    device = _text(MAX_VALUE_LENGTH, "`device=` / `X-Device`.")
    locale = _text(35, "A language code (`X-Locale`).")
    country = _text(MAX_VALUE_LENGTH, "`country=` / `X-Country`.")
    region = _text(MAX_VALUE_LENGTH, "`region=` / `X-Region`.")
    referrer = _text(MAX_VALUE_LENGTH, "`referrer=` / `X-Referrer`.")
    timezone = TimeZoneField(
        min_length=1, max_length=64, required=False,
        help_text="An IANA time zone, e.g. `Europe/Paris` (`tz=` / `X-Timezone`); default UTC.",
    )
    utm = _texts("UTM parameters by name without `utm_`: `source`, `medium`, `campaign`, `term`, `content`.")
    query = _texts("The frontend's page query parameters (`q.<name>=`).")
    ctx = _texts("Free request traits (`ctx.<name>=`).")
    consent = serializers.ListField(
        child=_text(32), required=False,
        help_text="Consent categories from the frontend's banner (`behaviour`, `crm`; others are ignored). "
        "Absent: the stored consent.",
    )


class StrictBooleanField(serializers.BooleanField):
    """JSON `true` or `false` only, as the schema says: DRF would also take 0, 1, "yes" or "on"."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


@extend_schema_serializer(component_name="DecideRequest")
class DecideSerializer(serializers.Serializer):
    """A visitor context and the placements to fill for it."""

    context = ContextSerializer(required=False, default=dict)
    placements = serializers.ListField(
        child=StrictSlugField(max_length=64),
        allow_empty=False,
        min_length=1,  # allow_empty's rule, stated so that the schema has it too
        max_length=MAX_PLACEMENTS,
        help_text="Placement keys, e.g. `home-hero`.",
    )
    explain = StrictBooleanField(
        required=False, default=False, help_text="Say which conditions decided each segment."
    )


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, with nesting too deep for Python's decoder answered as a parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc


def declared_length(request) -> int:
    """The request's Content-Length; Django reads an unparseable one as no body, and so does this."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _request_shape(context: dict) -> tuple[dict, dict]:
    """The decide body's context as the query parameters and headers that delivery reads."""
    params = {name: context[name] for name in ("device", "country", "region", "referrer") if context.get(name)}
    if context.get("timezone"):
        params["tz"] = context["timezone"]
    params.update({f"utm_{name}": value for name, value in context.get("utm", {}).items()})
    params.update({f"q.{name}": value for name, value in context.get("query", {}).items()})
    params.update({f"ctx.{name}": value for name, value in context.get("ctx", {}).items()})
    headers = {"X-Visitor-Id": context.get("visitor_id") or ""}
    if "consent" in context:
        headers["X-Consent"] = ",".join(context["consent"])
    return params, headers


class DecideView(ChannelContextMixin, APIView):
    """Choose content for several placements in one round trip."""

    parser_classes = [BoundedJSONParser]
    schema = DecideSchema()

    @extend_schema(
        operation_id="personalizeDecide",
        tags=["personalize"],
        summary="Choose content for placements",
        description=(
            "Decides which segments a visitor context matches and fills each placement with the content "
            f"chosen for it. At most {MAX_PLACEMENTS} placements and {MAX_BODY_BYTES} bytes of JSON; the "
            "response is never cached (`Cache-Control: private, no-store`)."
        ),
        request=DecideSerializer,
        responses={200: OpenApiResponse(DECIDE_RESPONSE, description="OK")},
    )
    def post(self, request):
        """Decide once for the body's context and resolve every placement it names."""
        data = _validated_body(request)
        state = _personalization(request, data)
        found = {p.key: p for p in Placement.objects.filter(key__in=data["placements"])}
        context = {"request": request, "view": self, "delivery": self.delivery}
        state.experiments_for_placements(key for key in data["placements"] if key in found)
        results = {key: state.resolve_block(found[key].as_slot(), context) for key in data["placements"] if key in found}
        response = {
            "segments": list(state.decision.matched),
            "digest": state.decision.digest(),
            "placements": results,
            "unknown_placements": [key for key in data["placements"] if key not in found],
            "experiments": state.experiments_meta(),
        }
        if data["explain"]:
            response["explain"] = [trace.as_dict() for trace in state.decision.trace] + state.experiments_explain()
        else:  # an explanation is for one viewer, not an impression
            served_decision_note(channel_id=self.delivery.channel_id, segments=response["segments"], blocks=state.slots)
            state.served(channel_id=self.delivery.channel_id)
        return Response(response, headers={"Cache-Control": "private, no-store"})


def _validated_body(request) -> dict:
    """The decide body, validated; anything else is a problem response naming what is wrong."""
    if declared_length(request) > MAX_BODY_BYTES:
        raise ProblemError(f"request body is larger than {MAX_BODY_BYTES} bytes", status_code=413)
    if not (request.content_type or "").startswith("application/json"):
        raise UnsupportedMediaType(request.content_type, "send the decision request as application/json")
    body = DecideSerializer(data=request.data)
    if not body.is_valid():
        path, message = _flatten(body.errors)[0]
        raise ProblemError(f"{path}: {message}", status_code=422, parameter=path)
    return body.validated_data


def _personalization(request, data: dict) -> PersonalizationState:
    """The decision for the body's context on the key's channel."""
    params, headers = _request_shape(data["context"])
    try:
        return PersonalizationState(
            channel=request.auth.channel_slug, params=params, headers=headers,
            explain=data["explain"], locale=data["context"].get("locale"),
        )
    except ContextError as exc:
        field = CONTEXT_FIELDS.get(exc.parameter, exc.parameter)
        raise ProblemError(str(exc), status_code=422, parameter=f"context.{field}") from exc


def _flatten(errors, prefix: str = "") -> list[tuple[str, str]]:
    """DRF's nested errors as (dotted path, message) pairs."""
    if isinstance(errors, dict):
        return [pair for name, value in errors.items() for pair in _flatten(value, f"{prefix}{name}.")]
    if isinstance(errors, list) and errors and not isinstance(errors[0], str):
        return [pair for index, value in enumerate(errors) for pair in _flatten(value, f"{prefix}{index}.")]
    messages = errors if isinstance(errors, list) else [errors]
    return [(prefix.rstrip("."), str(message)) for message in messages]
