"""CRM endpoints (scope `crm`): identify a customer, set consent, export and erase a profile,
page through a segment's members.

Thin: each view validates its input and calls one service of personalization.customers.
"""

import json

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.api.problems import ProblemError
from cms.api.schema import ref
from cms.api.views import ChannelContextMixin
from personalization.api.crm_schema import MAX_ID_LENGTH, CrmSchema
from personalization.api.views import declared_length
from personalization.customers.consent import UnknownCategory, consent_set
from personalization.customers.erasure import erase
from personalization.customers.export import profile_export
from personalization.customers.identity import IdentityConflict, identify, profile_group
from personalization.customers.members import MAX_PAGE, members_page
from personalization.customers.membership import membership_diff_soon
from personalization.profiles import ProfileSuppressed

MAX_BODY_BYTES = 16 * 1024
NO_STORE = {"Cache-Control": "no-store"}
# 401 no key, 403 no `crm` scope or an origin the channel does not list, 404 a visitor id no profile
# could have (longer than stored ids, or with a null character), 429 the key's rate limit.
KEY_ERRORS = (401, 403, 404, 429)
BODY_ERRORS = (400, 413, 415, 422)


class CrmView(ChannelContextMixin, APIView):
    required_scope = "crm"
    parser_classes = [JSONParser]  # what the schema states; bodies are decoded by `_body`
    schema = CrmSchema()
    problem_statuses: dict[str, tuple[int, ...]] = {}


def _visitor_id(value: str) -> str:
    if len(value) > MAX_ID_LENGTH or "\x00" in value:
        raise ProblemError(f"a visitor id is at most {MAX_ID_LENGTH} characters, without null characters",
                           status_code=404)
    return value


def _body(request, keys: set[str]) -> dict:
    """The JSON object body, with exactly `keys`; else a problem (413, 415, 400)."""
    if declared_length(request) > MAX_BODY_BYTES:
        raise ProblemError(f"request body is larger than {MAX_BODY_BYTES} bytes", status_code=413)
    if not (request.content_type or "").startswith("application/json"):
        raise UnsupportedMediaType(request.content_type, "send application/json")
    raw = request._request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise ProblemError(f"request body is larger than {MAX_BODY_BYTES} bytes", status_code=413)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProblemError(f"JSON parse error - {exc}"[:200]) from exc
    if not isinstance(body, dict) or body.keys() != keys:
        raise ProblemError(f"the body must be an object with exactly: {', '.join(sorted(keys))}")
    return body


class ProfileView(CrmView):
    """Right of access and erasure for one visitor id (and the customer's other ids)."""

    problem_statuses = {"GET": KEY_ERRORS, "DELETE": KEY_ERRORS}

    @extend_schema(
        operation_id="profileExport",
        tags=["crm"],
        summary="Everything held about a visitor",
        description=(
            "Right of access: the profile, every visitor id of the customer with the provenance of each merge, "
            "consent, traits (with source and time where recorded), raw events of every id, the segments the "
            "stored profile is in now and its segment history. 404 when nothing is held."
        ),
        responses={200: OpenApiResponse(ref("ProfileExport"), description="Everything held.")},
    )
    def get(self, request, visitor_id: str):
        """Export the profile."""
        exported = profile_export(_visitor_id(visitor_id))
        if exported is None:
            raise ProblemError("nothing is held about this visitor id", status_code=404)
        return Response(exported, headers=NO_STORE)

    @extend_schema(
        operation_id="profileErase",
        tags=["crm"],
        summary="Erase a visitor",
        description=(
            "Removes the profile, its traits, every merged visitor id, raw events of every id (all partitions), "
            "segment memberships and the ids from queued or done background jobs; aggregates hold counts only. "
            "The ids are then suppressed (kept as keyed hashes): events and CRM pushes for them are not kept "
            "until consent is given again (`PUT …/consent/`). The erasure log keeps a keyed hash and the time. "
            "Idempotent: erasing again removes nothing more."
        ),
        responses={200: OpenApiResponse(ref("ErasureResponse"), description="What was removed, per kind.")},
    )
    def delete(self, request, visitor_id: str):
        """Erase the visitor and the customer's other ids."""
        removed = erase(_visitor_id(visitor_id))
        return Response({"visitor_id": visitor_id, "removed": removed, "suppressed": True}, headers=NO_STORE)


class ConsentView(CrmView):
    """Consent given or withdrawn, e.g. from the CRM's preference centre or the site's banner after login."""

    problem_statuses = {"PUT": (*KEY_ERRORS, *BODY_ERRORS)}

    @extend_schema(
        operation_id="profileConsentSet",
        tags=["crm"],
        summary="Set a visitor's consent",
        description=(
            "Replaces the stored consent categories (`behaviour`, `crm`) of the visitor and of every other id of "
            "the customer. Without `behaviour` no visit or event touches the profile; rules use a trait only with "
            "consent for its category. Giving consent to an erased id lifts its suppression."
        ),
        request={"application/json": ref("ConsentRequest")},
        responses={200: OpenApiResponse(ref("ConsentResponse"), description="The consent stored.")},
    )
    def put(self, request, visitor_id: str):
        """Store the consent."""
        visitor_id = _visitor_id(visitor_id)
        categories = _body(request, {"consent"})["consent"]
        if not isinstance(categories, list) or not all(isinstance(item, str) for item in categories):
            raise ProblemError("consent: a list of categories", status_code=422, parameter="consent")
        if len(set(categories)) != len(categories):
            raise ProblemError("consent: each category once", status_code=422, parameter="consent")
        try:
            with transaction.atomic():
                consent, ids = consent_set(visitor_id=visitor_id, categories=categories)
                membership_diff_soon()
        except UnknownCategory as exc:
            raise ProblemError(f"consent: unknown category {exc}", status_code=422, parameter="consent") from exc
        return Response({"visitor_id": visitor_id, "consent": consent, "visitor_ids": ids}, headers=NO_STORE)


class IdentifyView(CrmView):
    """Attach the CRM's customer id to a visitor id (a login, an app install, a kiosk card)."""

    problem_statuses = {"POST": (*KEY_ERRORS, *BODY_ERRORS, 409)}

    @extend_schema(
        operation_id="profileIdentify",
        tags=["crm"],
        summary="Identify a visitor as a CRM customer",
        description=(
            "Merges the visitor's profile (visits, events, traits) into the customer's, so that a decision for "
            "any of the customer's ids reads one profile. The customer's CRM traits win over anonymous ones; "
            "the merged consent is what both had (send `PUT …/consent/` after a login). Each merge is recorded "
            "(which id, when, which key). A visitor id that already belongs to another customer is a 409: two "
            "customers are never merged. An erased id is a 409 until it consents again."
        ),
        request={"application/json": ref("IdentifyRequest")},
        responses={200: OpenApiResponse(ref("IdentifyResponse"), description="The customer's ids now.")},
    )
    def post(self, request, visitor_id: str):
        """Identify the visitor."""
        visitor_id = _visitor_id(visitor_id)
        customer_id = _body(request, {"customer_id"})["customer_id"]
        if not isinstance(customer_id, str) or not 0 < len(customer_id) <= MAX_ID_LENGTH or "\x00" in customer_id:
            raise ProblemError(f"customer_id: text of 1 to {MAX_ID_LENGTH} characters", status_code=422,
                               parameter="customer_id")
        try:
            with transaction.atomic():
                identified = identify(visitor_id=visitor_id, customer_id=customer_id,
                                      reason=f"api identify (key {request.auth.prefix})")
                membership_diff_soon()
        except IdentityConflict as exc:
            raise ProblemError("this visitor id already belongs to another customer", status_code=409) from exc
        except ProfileSuppressed as exc:
            raise ProblemError("this visitor id was erased: it needs consent again first", status_code=409) from exc
        body = {"visitor_id": visitor_id, "customer_id": customer_id,
                "visitor_ids": profile_group(identified.profile), "joined": identified.joined}
        return Response(body, headers=NO_STORE)


class SegmentMembersView(CrmView):
    """The current members of a segment, page by page, with the traits its rules use."""

    problem_statuses = {"GET": (*KEY_ERRORS, 400)}

    @extend_schema(
        operation_id="segmentMembers",
        tags=["crm"],
        summary="Current members of a segment",
        description=(
            "Profiles in the segment as of the last membership diff (entered and not left), oldest entry "
            "first, with their values of the traits the segment's rules use. Pass `next` back as `after` "
            "for the following page."
        ),
        parameters=[
            OpenApiParameter("after", str, description="The cursor of the previous page's `next`."),
            OpenApiParameter("limit", int, description=f"Members per page, 1 to {MAX_PAGE} (default 100)."),
        ],
        responses={200: OpenApiResponse(ref("SegmentMembers"), description="A page of members.")},
    )
    def get(self, request, key: str):
        """A page of members."""
        unknown = set(request.GET) - {"after", "limit"}
        if unknown:
            raise ProblemError(f"unknown query parameter: {', '.join(sorted(unknown))}", parameter=sorted(unknown)[0])
        after = _integer(request.GET.get("after", "0"), "after", 0, 2**62)
        limit = _integer(request.GET.get("limit", "100"), "limit", 1, MAX_PAGE)
        page = members_page(key, after=after, limit=limit)
        if page is None:
            raise ProblemError(f"no segment has the key {key!r}", status_code=404)
        return Response(page, headers=NO_STORE)


def _integer(value: str, name: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise ProblemError(f"{name}: a whole number from {low} to {high}", parameter=name)
    return int(value)
