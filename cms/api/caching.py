"""Cached, validated response bodies: strong ETags, 304s and headers safe for shared caches."""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import parse_etags
from rest_framework.renderers import JSONRenderer

from cms.api.generation import content_generation
from cms.api.personalisers import personaliser
from cms.visibility import visibility_epoch

# A response depends on the key (its channel and scopes) and on these request headers.
VARY = "Authorization, Origin"


def personalised_vary() -> str:
    """A personalised response also depends on the visitor's context headers."""
    return ", ".join([VARY, *personaliser().context_headers])


def response_cache_key(
    *, generation: int, channel_id: int, site_id: int | None, path: str, query: list[tuple[str, str]]
) -> str:
    """The key of a cached body: content generation, expiries passed since, channel, site, request.

    The visibility epoch retires bodies the moment a page's expiry passes, before the
    scheduler unpublishes it (which sends the signal that bumps the generation). The
    site matters because each host serves its own page tree and builds its own URLs.
    """
    raw = f"{path}?{sorted(query)}"
    epoch = visibility_epoch(generation)
    return f"api:{generation}.{epoch}:{channel_id}:{site_id}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def render_entry(data) -> tuple[str, bytes]:
    body = JSONRenderer().render(data)
    return strong_etag(body), body


def cached_body(key: str, build) -> tuple[str, bytes] | object:
    """The (etag, body) stored under key, or build() — a DRF Response — rendered and stored if 200.

    A non-200 response from build() is returned as it is, uncached.
    """
    # The "responses" alias: per process on the embedded default (bodies are large and hot,
    # and keyed by the shared generation, so a change anywhere retires them everywhere).
    responses = caches["responses"]
    entry = responses.get(key)
    if entry is not None:
        return entry
    response = build()
    if response.status_code != 200:
        return response
    entry = render_entry(response.data)
    responses.set(key, entry, settings.API_CACHE_SECONDS)
    return entry


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`; `*` matches any.

    The header is read by Django's `parse_etags`; Django's `get_conditional_response` is not
    used because it also answers If-Match and If-Unmodified-Since (with a 412), which the
    delivery API does not offer.
    """
    tags = parse_etags(if_none_match)
    if tags == ["*"]:
        return True
    return etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}


def conditional_response(request, etag: str, body: bytes, *, cache_control: str) -> HttpResponse:
    """200 with the body, or 304 when If-None-Match names this ETag."""
    if etag_matches(request.META.get("HTTP_IF_NONE_MATCH", ""), etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["Vary"] = VARY
    return response


__all__ = ["cached_body", "conditional_response", "content_generation", "response_cache_key"]
