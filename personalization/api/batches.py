"""Reading a JSON batch (`{"<member>": [...]}`) and answering it, for the ingest endpoints (events, feedback)."""

import json

from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.response import Response

from cms.api.problems import ProblemError, problem_response
from personalization.api.views import declared_length


def json_batch(request, *, member: str, noun: str, max_bytes: int, max_items: int) -> list:
    """The batch's items, or a problem: 413 too large, 415 not JSON, 400 not a JSON batch.

    The body is read at most `max_bytes` + 1 bytes whatever Content-Length claims, and decoded
    once; each item is left to the endpoint's own per-item validation.
    """
    if declared_length(request) > max_bytes:
        raise ProblemError(f"request body is larger than {max_bytes} bytes", status_code=413)
    if not (request.content_type or "").startswith("application/json"):
        raise UnsupportedMediaType(request.content_type, f"send {member} as application/json")
    raw = request._request.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ProblemError(f"request body is larger than {max_bytes} bytes", status_code=413)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ProblemError(f"JSON parse error - {exc}"[:200]) from exc
    if not isinstance(body, dict) or not isinstance(body.get(member), list) or body.keys() != {member}:
        raise ProblemError(f'the body must be {{"{member}": [...]}}', parameter=member)
    items = body[member]
    if not items:
        raise ProblemError(f"the batch holds no {noun}", parameter=member)
    if len(items) > max_items:
        raise ProblemError(f"a batch holds at most {max_items} {noun}s", status_code=413, parameter=member)
    return items


def batch_answer(result, *, noun: str) -> Response:
    """The answer to an ingested batch: its lists, or a 422 problem carrying them when nothing was stored."""
    body = result.as_dict()
    if not result.accepted and not result.duplicates:
        return problem_response(422, f"no {noun} of the batch could be stored: see `rejected`", extra=body)
    return Response(body, headers={"Cache-Control": "no-store"})
