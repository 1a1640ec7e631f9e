"""RFC 9457 problem details for every API error, with Wagtail's `message` beside `detail`.

Wagtail API v2 clients read `.message`; problem-aware clients read `detail`. Both
carry the same text, in Wagtail's wording where Wagtail has one.
"""

import re
from collections.abc import Iterable

from django.http import Http404, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
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
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemError(exceptions.APIException):
    """An API error with a status, a message and optionally the offending parameter."""

    def __init__(self, detail: str, *, status_code: int = 400, parameter: str | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status_code = status_code
        self.parameter = parameter
        self.headers = headers or {}


class ProblemResponse(Response):
    """A DRF response rendered as JSON whatever renderer the view negotiated.

    Wagtail's viewsets also offer the browsable API (HTML) and the schema view renders
    YAML: a body labelled application/problem+json must be JSON all the same.
    """

    @property
    def rendered_content(self):
        self.accepted_renderer = JSONRenderer()
        self.accepted_media_type = JSONRenderer.media_type
        return super().rendered_content


def problem_body(status_code: int, detail: str, *, parameter: str | None = None, extra: dict | None = None) -> dict:
    """A problem-details object, with Wagtail's `message` beside `detail`."""
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
    return body


def problem_response(status_code: int, detail: str, *, parameter: str | None = None, headers: dict | None = None, extra: dict | None = None) -> Response:
    """A DRF response whose body is a problem-details object."""
    body = problem_body(status_code, detail, parameter=parameter, extra=extra)
    return ProblemResponse(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def plain_problem(status_code: int, detail: str) -> JsonResponse:
    """A problem-details response outside DRF (URL resolution, Django's error handlers)."""
    return JsonResponse(problem_body(status_code, detail), status=status_code, content_type=PROBLEM_CONTENT_TYPE)


# No CSRF check: the API authenticates by key, never by session cookie, so a POST to an
# unknown path is a 404 like any other method (Django's check would answer an HTML 403).
@csrf_exempt
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Paths under /api/ that match no endpoint, whatever the method: a problem-details 404."""
    return plain_problem(404, "no API endpoint at this path")


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    """handler400 (a disallowed Host, a malformed request): problem details under /api/, else Django's page."""
    if _is_api(request):
        return plain_problem(400, "the request could not be understood")
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    """handler403: problem details under /api/, else Django's page."""
    if _is_api(request):
        return plain_problem(403, "forbidden")
    return defaults.permission_denied(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: even a bug answers problem details under /api/ (still a 500, and logged)."""
    if _is_api(request):
        return plain_problem(500, "internal error")
    return defaults.server_error(request, template_name)


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
