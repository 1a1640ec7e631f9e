"""The one place that reads a request into a VisitorContext.

Request attributes come as query parameters or headers; the stored profile adds
visits, events, CRM traits and consent. Query parameters used here are part of the
visitor context, never of a response cache key (the matched-segment digest is).
"""

from collections.abc import Mapping
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cms.api.personalisers import ContextError
from personalization.engine import Event, VisitorContext
from personalization.profiles import StoredProfile

UTM_FIELDS = ("source", "medium", "campaign", "term", "content")
# query parameter → header, for attributes a frontend may send either way
ATTRIBUTES = {
    "country": "X-Country",
    "region": "X-Region",
    "device": "X-Device",
    "referrer": "X-Referrer",
    "tz": "X-Timezone",
}
VISITOR_ID_HEADER = "X-Visitor-Id"
CONSENT_HEADER = "X-Consent"
LOCALE_HEADER = "X-Locale"
# Every request header a visitor context is read from. A personalised response varies on
# all of them, and browsers must be allowed to send them cross-origin (CORS_ALLOW_HEADERS).
CONTEXT_HEADERS = (VISITOR_ID_HEADER, CONSENT_HEADER, *ATTRIBUTES.values(), "Referer", LOCALE_HEADER, "Accept-Language")
# Headers the browser sets itself: a frontend's script never asks CORS to send them.
BROWSER_CONTROLLED_HEADERS = frozenset({"Referer"})
CONTEXT_PARAMETERS = frozenset({*ATTRIBUTES, *(f"utm_{name}" for name in UTM_FIELDS), "explain", "simulate"})
MAX_VALUE_LENGTH = 200
CONSENT_CATEGORIES = frozenset({"behaviour", "crm"})


def is_context_parameter(name: str) -> bool:
    """Query parameters that describe the visitor rather than select content."""
    return name in CONTEXT_PARAMETERS or name.startswith(("ctx.", "q."))


def _value(params: Mapping[str, str], headers: Mapping[str, str], name: str) -> str | None:
    value = params.get(name) or (headers.get(ATTRIBUTES[name]) if name in ATTRIBUTES else None)
    if value is not None and len(value) > MAX_VALUE_LENGTH:
        raise ContextError(name, f"{name} is longer than {MAX_VALUE_LENGTH} characters")
    return value or None


def _timezone(name: str | None) -> str:
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a directory of zones, `America`
        raise ContextError("tz", f"unknown time zone: {name}") from exc
    return name


def check_context_parameters(params: Mapping[str, str]) -> None:
    """Raise ContextError for a query attribute that `visitor_context` would refuse (too long, an
    unknown time zone), without reading a profile: such a value is a 400 on every request, not
    only on those whose response happens to be personalised."""
    for name in ATTRIBUTES:
        value = _value(params, {}, name)
        if name == "tz":
            _timezone(value)


def visitor_context(
    *,
    channel: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    profile: StoredProfile | None,
    now: datetime | None = None,
    locale: str | None = None,
) -> VisitorContext:
    """Merge request attributes with the stored profile; consent gates what the profile adds."""
    visitor_id = headers.get(VISITOR_ID_HEADER) or None
    referrer = _value(params, headers, "referrer") or headers.get("Referer")
    stored = profile or StoredProfile.empty()
    return VisitorContext(
        channel=channel,
        visitor_id=visitor_id,
        now=now or datetime.now(timezone.utc),
        timezone=_timezone(_value(params, headers, "tz")),
        device=_value(params, headers, "device"),
        locale=locale or headers.get(LOCALE_HEADER) or _primary_language(headers.get("Accept-Language")),
        country=_value(params, headers, "country"),
        region=_value(params, headers, "region"),
        referrer=referrer,
        utm={name: params[f"utm_{name}"][:MAX_VALUE_LENGTH] for name in UTM_FIELDS if params.get(f"utm_{name}")},
        query={key[2:]: value[:MAX_VALUE_LENGTH] for key, value in params.items() if key.startswith("q.")},
        ctx={key[4:]: value[:MAX_VALUE_LENGTH] for key, value in params.items() if key.startswith("ctx.")},
        first_seen=stored.first_seen,
        visit_count=stored.visit_count + (0 if stored.in_visit else 1),
        pages_visited=stored.pages_visited,
        content_types_visited=stored.content_types_visited,
        events=stored.events,
        traits=stored.traits,
        consent=_consent(headers.get(CONSENT_HEADER), stored.consent),
    )


def request_consent(headers: Mapping[str, str], profile: StoredProfile | None) -> frozenset[str]:
    """The consent a request carries: its X-Consent header, else what the visitor's profile stored."""
    return _consent(headers.get(CONSENT_HEADER), profile.consent if profile else frozenset())


def _consent(header: str | None, stored: frozenset[str]) -> frozenset[str]:
    """The frontend's consent banner is the authority when it speaks (X-Consent: behaviour,crm)."""
    if header is None:
        return stored
    return frozenset(part.strip().lower() for part in header.split(",")) & CONSENT_CATEGORIES


def _primary_language(accept_language: str | None) -> str | None:
    if not accept_language:
        return None
    first = accept_language.split(",")[0].split(";")[0].strip()
    return first if first and first != "*" else None


__all__ = ["ContextError", "Event", "is_context_parameter", "visitor_context"]
