"""RFC 9457 problem details for every API error, with Wagtail's `message` beside `detail`.

Wagtail API v2 clients read `.message`; problem-aware clients read `detail`. Both
carry the same text, in Wagtail's wording where Wagtail has one.
"""

import re
from collections.abc import Iterable

from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from wagtail.api.v2.utils import BadRequestError

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    503: "Service unavailable",
}


class ProblemError(exceptions.APIException):
    """An API error with a status, a message and optionally the offending parameter."""

    def __init__(self, detail: str, *, status_code: int = 400, parameter: str | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status_code = status_code
        self.parameter = parameter
        self.headers = headers or {}


def problem_response(status_code: int, detail: str, *, parameter: str | None = None, headers: dict | None = None, extra: dict | None = None) -> Response:
    """A DRF response whose body is a problem-details object."""
    body = {
        "type": f"/api/problems/{status_code}",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "message": detail,
    }
    if parameter:
        body["parameter"] = parameter
    body.update(extra or {})
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    return response


def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Paths under /api/ that match no endpoint: a problem-details 404, not the website's HTML page."""
    detail = "no API endpoint at this path"
    body = {"type": "/api/problems/404", "title": TITLES[404], "status": 404, "detail": detail, "message": detail}
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)


# Wagtail's 400 messages that do not name the parameter they are about.
UNNAMED_PARAMETERS = {
    "parent page doesn't exist": "child_of",
    "ancestor page doesn't exist": "descendant_of",
    "descendant page doesn't exist": "ancestor_of",
    "does not support nested fields": "fields",
    "random ordering": "order",
    "search is disabled": "search",
    "filtering by tag with a search query": "tags",
    "Your query returned multiple sites": "site",
}


def offending_parameter(message: str, names: Iterable[str]) -> str | None:
    """The query parameter a validation message is about: Wagtail's wording, else the one it names first."""
    for phrase, name in UNNAMED_PARAMETERS.items():
        if phrase in message:
            return name
    positions = {}
    for name in names:
        # A whole name: `search` is not named by "search_operator must be …".
        found = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message)
        if found:
            positions[name] = found.start()
    return min(positions, key=positions.__getitem__) if positions else None


def _detail_text(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_detail_text(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return "; ".join(_detail_text(item) for item in detail)
    return str(detail)


def problem_exception_handler(exc, context) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every known error becomes a problem response."""
    if isinstance(exc, ProblemError):
        return problem_response(exc.status_code, str(exc.detail), parameter=exc.parameter, headers=exc.headers)
    if isinstance(exc, Http404):
        return problem_response(404, str(exc) or "not found")
    if isinstance(exc, BadRequestError):
        request = getattr(context.get("view"), "request", None)
        names = request.GET.keys() if request is not None else ()
        return problem_response(400, str(exc), parameter=offending_parameter(str(exc), names))
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        return problem_response(exc.status_code, _detail_text(exc.detail), headers=headers)
    return None


class ProblemMixin:
    """For viewsets whose parent class answers some errors itself (Wagtail's API v2)."""

    def handle_exception(self, exc):
        if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            exc.auth_header = self.get_authenticate_header(self.request)
            if exc.auth_header:
                exc.status_code = status.HTTP_401_UNAUTHORIZED
        response = problem_exception_handler(exc, {"view": self})
        if response is None:
            return super().handle_exception(exc)
        return response
