"""`POST /api/v2/personalize/decide/`: a visitor context and placement keys in, chosen content out."""

from rest_framework import serializers
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.api.problems import ProblemError
from cms.api.views import ChannelContextMixin
from personalization.delivery import PersonalizationState
from personalization.models import Placement
from personalization.request_context import ContextError

MAX_BODY_BYTES = 64 * 1024
MAX_PLACEMENTS = 50


class ContextSerializer(serializers.Serializer):
    visitor_id = serializers.CharField(max_length=128, required=False, allow_blank=True)
    device = serializers.CharField(max_length=200, required=False)
    locale = serializers.CharField(max_length=35, required=False)
    country = serializers.CharField(max_length=200, required=False)
    region = serializers.CharField(max_length=200, required=False)
    referrer = serializers.CharField(max_length=2000, required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    utm = serializers.DictField(child=serializers.CharField(max_length=200), required=False)
    query = serializers.DictField(child=serializers.CharField(max_length=200), required=False)
    ctx = serializers.DictField(child=serializers.CharField(max_length=200), required=False)
    consent = serializers.ListField(child=serializers.CharField(max_length=32), required=False)


class DecideSerializer(serializers.Serializer):
    context = ContextSerializer(required=False, default=dict)
    placements = serializers.ListField(
        child=serializers.SlugField(max_length=64), allow_empty=False, max_length=MAX_PLACEMENTS
    )
    explain = serializers.BooleanField(required=False, default=False)


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

    parser_classes = [JSONParser]

    def post(self, request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            raise ProblemError(f"request body is larger than {MAX_BODY_BYTES} bytes", status_code=413)
        if not (request.content_type or "").startswith("application/json"):
            raise UnsupportedMediaType(request.content_type, "send the decision request as application/json")
        body = DecideSerializer(data=request.data)
        if not body.is_valid():
            path, message = _flatten(body.errors)[0]
            raise ProblemError(f"{path}: {message}", status_code=422, parameter=path)
        data = body.validated_data
        params, headers = _request_shape(data["context"])
        try:
            state = PersonalizationState(
                channel=request.auth.channel_slug, params=params, headers=headers,
                explain=data["explain"], locale=data["context"].get("locale"),
            )
        except ContextError as exc:
            raise ProblemError(str(exc), status_code=422, parameter=f"context.{exc.parameter}") from exc
        found = {p.key: p for p in Placement.objects.filter(key__in=data["placements"])}
        context = {"request": request, "view": self}
        results = {key: state.resolve_block(found[key].as_slot(), context) for key in data["placements"] if key in found}
        response = {
            "segments": list(state.decision.matched),
            "digest": state.decision.digest(),
            "placements": results,
            "unknown_placements": [key for key in data["placements"] if key not in found],
        }
        if data["explain"]:
            response["explain"] = [trace.as_dict() for trace in state.decision.trace]
        return Response(response, headers={"Cache-Control": "private, no-store"})


def _flatten(errors, prefix: str = "") -> list[tuple[str, str]]:
    """DRF's nested errors as (dotted path, message) pairs."""
    if isinstance(errors, dict):
        return [pair for name, value in errors.items() for pair in _flatten(value, f"{prefix}{name}.")]
    if isinstance(errors, list) and errors and not isinstance(errors[0], str):
        return [pair for index, value in enumerate(errors) for pair in _flatten(value, f"{prefix}{index}.")]
    messages = errors if isinstance(errors, list) else [errors]
    return [(prefix.rstrip("."), str(message)) for message in messages]
