"""RFC 9457 problem details: the `Problem` component and the error responses that carry it."""

from cms.api.problems import PROBLEM_CONTENT_TYPE, TITLES
from cms.api.schema.json_schema import obj, ref, string

PROBLEM = obj(
    {
        "type": string("A URI reference naming the problem type."),
        "title": string("Short summary of the problem type."),
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": string("What went wrong with this request."),
        "message": string("The same text as `detail`, where Wagtail API v2 clients read it."),
        "parameter": string("The query parameter at fault, for validation errors."),
    },
    required=["type", "title", "status", "detail", "message"],
    description="RFC 9457 problem details, with Wagtail's `message` beside `detail`.",
)

# Every response to a channel key carries them (cms.api.throttling), errors included.
RATE_LIMIT_HEADERS = {
    name: {"schema": {"type": "integer"}, "description": description}
    for name, description in (
        ("RateLimit-Limit", "Requests allowed per window for this key."),
        ("RateLimit-Remaining", "Requests left in this window."),
        ("RateLimit-Reset", "Seconds until the window resets."),
    )
}


# What any keyed operation may answer besides its own errors: 500 a bug (the body says nothing
# about it), 503 the rate limit cannot be counted while the cache is unreachable and
# API_RATE_LIMIT_ON_CACHE_ERROR is "closed" (cms.api.throttling).
SERVER_STATUSES = (500, 503)
RETRY_AFTER = {"schema": {"type": "integer"}, "description": "Seconds to wait."}


def problem_responses(statuses) -> dict[str, dict]:
    """Problem-details responses for these statuses and SERVER_STATUSES, with the headers each carries."""
    responses = {}
    for status in (*statuses, *SERVER_STATUSES):
        headers = {}
        if status == 401:
            headers["WWW-Authenticate"] = {"schema": string(), "description": '`Bearer realm="tailor"`.'}
        if status == 429:
            headers["Retry-After"] = RETRY_AFTER
            headers.update(RATE_LIMIT_HEADERS)
        if status == 503:
            headers["Retry-After"] = RETRY_AFTER
        responses[str(status)] = {
            "description": TITLES[status],
            **({"headers": headers} if headers else {}),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": ref("Problem")}},
        }
    return responses

