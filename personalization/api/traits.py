"""`PUT`/`PATCH /api/v2/profiles/<visitor_id>/traits/`: a CRM pushes a customer's traits (scope `crm`).

PUT replaces the visitor's CRM traits (catalogue traits of the `crm` category that the hub
does not compute): any not sent are removed. PATCH merges: sent values are set, `null`
removes one. Every trait is checked against the catalogue; one bad trait refuses the
request (422) with a list of every problem, so a push is applied whole or not at all.
Traits are stored whatever the visitor's consent (the CRM is the system of record); rules
use them only with consent for their category.
"""

import json

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.api.problems import ProblemError, problem_response
from cms.api.schema import ref
from cms.api.views import ChannelContextMixin
from personalization.api.traits_schema import MAX_BODY_BYTES, TraitsSchema
from personalization.api.views import declared_length
from personalization.traits.rows import MAX_VISITOR_ID_LENGTH
from personalization.profiles import ProfileSuppressed
from personalization.traitsync.store import profile_traits_write
from personalization.traitsync.validation import crm_trait_names, traits_check

VISITOR = OpenApiParameter(
    "visitor_id", str, OpenApiParameter.PATH, description=f"The visitor id (at most {MAX_VISITOR_ID_LENGTH} characters)."
)


class ProfileTraitsView(ChannelContextMixin, APIView):
    """A CRM system writes one visitor's traits."""

    required_scope = "crm"
    parser_classes = [JSONParser]
    schema = TraitsSchema()

    @extend_schema(
        operation_id="profileTraitsReplace",
        tags=["profiles"],
        summary="Replace a visitor's CRM traits",
        description=(
            "Sets the CRM traits sent and removes the visitor's other CRM traits (behaviour and "
            "computed traits are kept). Creates the profile of an unknown visitor. 422 lists every "
            "trait that is unknown, computed by the hub or of the wrong type; nothing is written then."
        ),
        parameters=[VISITOR],
        request={"application/json": ref("TraitsRequest")},
        responses={200: OpenApiResponse(ref("TraitsResponse"), description="Stored.")},
    )
    def put(self, request, visitor_id: str):
        """Replace."""
        pushed = _traits(request, visitor_id)
        values, _, errors = traits_check(pushed, allow_null=False)
        if errors:
            return _invalid(errors)
        remove = crm_trait_names() - set(values)
        return _written(visitor_id, values, remove)

    @extend_schema(
        operation_id="profileTraitsUpdate",
        tags=["profiles"],
        summary="Change some of a visitor's traits",
        description=(
            "Sets the traits sent; `null` removes one. Others are kept. Creates the profile of an "
            "unknown visitor. 422 lists every trait that is unknown, computed by the hub or of the "
            "wrong type; nothing is written then."
        ),
        parameters=[VISITOR],
        request={"application/json": ref("TraitsRequest")},
        responses={200: OpenApiResponse(ref("TraitsResponse"), description="Stored.")},
    )
    def patch(self, request, visitor_id: str):
        """Merge."""
        pushed = _traits(request, visitor_id)
        values, remove, errors = traits_check(pushed, allow_null=True)
        if errors:
            return _invalid(errors)
        return _written(visitor_id, values, remove)


def _written(visitor_id: str, values: dict, remove: set[str]) -> Response:
    try:
        profile, changed, removed = profile_traits_write(visitor_id, values=values, remove=remove, source="api")
    except ProfileSuppressed as exc:
        raise ProblemError("this visitor id was erased: it needs consent again first", status_code=409) from exc
    body = {"visitor_id": visitor_id, "traits": profile.traits, "changed": changed, "removed": removed}
    return Response(body, headers={"Cache-Control": "no-store"})


def _invalid(errors) -> Response:
    names = ", ".join(error.trait for error in errors)
    return problem_response(
        422, f"traits refused: {names}"[:500], extra={"errors": [error.as_dict() for error in errors]}
    )


def _traits(request, visitor_id: str) -> dict:
    """The body's traits, or a problem: 400 a bad id or body, 413 too large, 415 not JSON."""
    if not visitor_id.strip() or len(visitor_id) > MAX_VISITOR_ID_LENGTH or "\x00" in visitor_id:
        raise ProblemError(f"a visitor id is 1 to {MAX_VISITOR_ID_LENGTH} characters", parameter="visitor_id")
    if declared_length(request) > MAX_BODY_BYTES:
        raise ProblemError(f"request body is larger than {MAX_BODY_BYTES} bytes", status_code=413)
    if not (request.content_type or "").startswith("application/json"):
        raise UnsupportedMediaType(request.content_type, "send traits as application/json")
    raw = request._request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise ProblemError(f"request body is larger than {MAX_BODY_BYTES} bytes", status_code=413)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProblemError(f"JSON parse error - {exc}"[:200]) from exc
    if not isinstance(body, dict) or body.keys() != {"traits"} or not isinstance(body["traits"], dict):
        raise ProblemError('the body must be {"traits": {...}}', parameter="traits")
    return body["traits"]
