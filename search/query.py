"""The search query layer: parameters checked, the backend asked within what the channel may see.

Everything a search returns comes from `cms.visibility.visible_pages`, the queryset the
pages endpoint lists: never drafts, private, expired or unoffered pages. The backend
(Wagtail's, whichever is configured) only ranks within it. Titles and summaries are the
channel's (its overrides), snippets are built here from the text a client may see.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError
from django.utils.html import strip_tags
from html import unescape
from wagtail.models import Locale, Page, get_page_models
from wagtail.search.backends import get_search_backend
from wagtail.search.backends.base import FieldError, FilterError
from wagtail.search.utils import parse_query_string

from cms.api.delivery_context import DeliveryContext
from cms.api.locales import locale_for
from cms.visibility import visible_pages
from search.ranking import RankedResults
from search.snippets import highlight, query_terms

logger = logging.getLogger(__name__)

SUGGEST_LIMIT_MAX = 20
# A query with no letter or digit finds nothing: backends are not asked (PostgreSQL's
# autocomplete fails on a query that normalises to nothing).
_WORD = re.compile(r"\w", re.UNICODE)
_WORDS = re.compile(r"\w+", re.UNICODE)
BODY_TEXT_MAX = 20_000  # characters of body text read for a snippet: enough for the first match


class InvalidSearch(ValueError):
    """A parameter that cannot be searched with (a 400), naming the parameter."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


class SearchUnavailable(RuntimeError):
    """The search backend could not answer (unreachable, timed out, refused): a 503."""


class SearchParams(NamedTuple):
    q: str
    page_type: type[Page] | None
    locale: Locale | None
    limit: int
    offset: int


def page_types() -> dict[str, type[Page]]:
    """Page models by label (`cms.ArticlePage`), as the `type` parameter names them."""
    return {model._meta.label: model for model in get_page_models() if model is not Page}


def _bounded_int(params: Mapping[str, str], name: str, *, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    # Plain ASCII digits: int() would also take " 5", "+5", "5_0" and "¹" is a digit to str.isdigit().
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise InvalidSearch(name, f"{name} must be an integer from {low} to {high}")
    value = int(raw)
    if not low <= value <= high:
        raise InvalidSearch(name, f"{name} must be an integer from {low} to {high}")
    return value


def _query(params: Mapping[str, str], max_length: int) -> str:
    q = params.get("q")
    if q is None:
        raise InvalidSearch("q", "q is required: the words to search for")
    # The length as sent, as the schema states it: surrounding whitespace counts too.
    if len(q) > max_length:
        raise InvalidSearch("q", f"q must be at most {max_length} characters")
    q = q.strip()
    if not q:
        raise InvalidSearch("q", "q must not be empty")
    return q


def _locale(params: Mapping[str, str], delivery: DeliveryContext) -> Locale | None:
    code = params.get("locale")
    # locale_for raises Http404 for a language no locale has, as the pages endpoint answers.
    return locale_for(code, delivery.site) if code is not None else None


def search_params(params: Mapping[str, str], delivery: DeliveryContext) -> SearchParams:
    """The search endpoint's parameters, checked; raises InvalidSearch (or Http404 for an unknown locale)."""
    q = _query(params, settings.SEARCH_QUERY_MAX_LENGTH)
    page_type = None
    if "type" in params:
        page_type = page_types().get(params["type"])
        if page_type is None:
            raise InvalidSearch("type", "type must be a page type, e.g. cms.ArticlePage")
    limit = _bounded_int(params, "limit", default=min(20, settings.API_LIMIT_MAX), low=1, high=settings.API_LIMIT_MAX)
    offset = _bounded_int(params, "offset", default=0, low=0, high=settings.API_OFFSET_MAX)
    return SearchParams(q, page_type, _locale(params, delivery), limit, offset)


def suggest_params(params: Mapping[str, str], delivery: DeliveryContext) -> SearchParams:
    """The suggest endpoint's parameters (`q`, `limit`, `locale`), checked."""
    q = _query(params, settings.SEARCH_SUGGEST_MAX_LENGTH)
    limit = _bounded_int(params, "limit", default=10, low=1, high=SUGGEST_LIMIT_MAX)
    return SearchParams(q, None, _locale(params, delivery), limit, 0)


def searchable_pages(delivery: DeliveryContext, params: SearchParams):
    """What this request may find: the channel's visible pages (the one visibility module), filtered."""
    site = delivery.site
    queryset = visible_pages(
        channel_id=delivery.channel_id, root=site and site.root_page, restricted=delivery.restricted_paths
    )
    if params.page_type is not None:
        queryset = queryset.type(params.page_type)
    if params.locale is not None:
        queryset = queryset.filter(locale_id=params.locale.pk)
    return queryset


def _run(compute):
    """Run a backend query: a refusal of the query is a 400, any other backend failure a 503.

    Wagtail's backends raise their client's own errors (connection refused, timeouts, HTTP
    errors from the cluster); none of them may become a 500.
    """
    try:
        return compute()
    except DatabaseError as exc:
        # The database backend: SQLite's full-text syntax refuses some queries at execution.
        # A database that is down fails the key lookup before any search runs.
        raise InvalidSearch("q", "search query could not be understood: remove quotes or special characters") from exc
    except (InvalidSearch, SearchUnavailable, FieldError, FilterError):
        raise  # a field or filter the index lacks is a bug here, not an outage: it must show as one
    except Exception as exc:  # noqa: BLE001 - any client error of any backend: unreachable, for the caller
        logger.warning("search backend failed: %s: %s", type(exc).__name__, exc)
        raise SearchUnavailable(f"the search backend is unavailable ({type(exc).__name__})") from exc


class Hit(NamedTuple):
    page: Page
    score: float | None


class SearchOutcome(NamedTuple):
    hits: list[Hit]
    total: int
    backend_highlights: bool  # whether snippets came from the backend (none of Wagtail's does today)


def _backend():
    try:
        return get_search_backend()
    except Exception as exc:  # noqa: BLE001 - a backend that cannot even be built: unavailable
        raise SearchUnavailable(f"the search backend is unavailable ({type(exc).__name__})") from exc


def search_pages(delivery: DeliveryContext, params: SearchParams) -> SearchOutcome:
    """One page of results, best first, with the total count; raises InvalidSearch or SearchUnavailable."""
    if not _WORD.search(params.q):
        return SearchOutcome([], 0, False)
    backend = _backend()
    queryset = searchable_pages(delivery, params)
    # Quoted words are phrases; `key:value` filters Wagtail's parser also reads are ignored.
    _filters, query = parse_query_string(params.q, operator="and")

    def compute() -> SearchOutcome:
        # Scores are null on backends without ranking (the database fallback).
        results = RankedResults(backend, query, queryset)
        total = results.count()
        window = results.window(params.offset, params.offset + params.limit) if params.offset < total else []
        return SearchOutcome([Hit(page, _score(score)) for page, score in window], total, False)

    return _run(compute)


def _score(score) -> float | None:
    return round(float(score), 6) if score is not None else None


def suggest_pages(delivery: DeliveryContext, params: SearchParams) -> list[Page]:
    """Pages whose title starts words with the query's, best first (the backend's autocomplete)."""
    # Completion matches title words: quotes, operators and control characters only get in the
    # way (SQLite's full-text syntax refuses some), so the backend is sent the words alone.
    words = " ".join(_WORDS.findall(params.q))
    if not words:
        return []
    backend = _backend()
    queryset = searchable_pages(delivery, params)

    def compute() -> list[Page]:
        try:
            results = backend.autocomplete(words, queryset, fields=["title"])
        except NotImplementedError:
            # A backend without autocomplete: a whole-word search on titles is the nearest answer.
            results = backend.search(words, queryset, fields=["title"])
        return list(results[: params.limit])

    return _run(compute)


# --- representation -------------------------------------------------------------------


def _stream_text(raw, out: list[str], budget: list[int]) -> None:
    """Text of a StreamField's stored data, depth first; personalised blocks give their default only.

    A personalised block's variants are for their segments: a snippet shown to anyone must
    not quote them.
    """
    if budget[0] <= 0:
        return
    if isinstance(raw, str):
        text = unescape(strip_tags(raw)).strip()
        if text:
            out.append(text)
            budget[0] -= len(text)
    elif isinstance(raw, dict):
        if raw.get("type") == "personalised":
            _stream_text((raw.get("value") or {}).get("default"), out, budget)
            return
        if "type" in raw and "value" in raw:
            _stream_text(raw["value"], out, budget)
            return
        for key, value in raw.items():
            if key not in ("id", "type"):
                _stream_text(value, out, budget)
    elif isinstance(raw, list):
        for item in raw:
            _stream_text(item, out, budget)


def body_text(page) -> str:
    """Plain text of the page's `body` StreamField (defaults of personalised blocks only), bounded."""
    body = getattr(page, "body", None)
    raw = getattr(body, "raw_data", None)
    if raw is None:
        return ""
    out: list[str] = []
    _stream_text(list(raw), out, [BODY_TEXT_MAX])
    return " ".join(out)


def page_path(page: Page, delivery: DeliveryContext) -> str:
    """The page's path on the request's site (what the pages endpoint's `find?html_path=` takes)."""
    site = delivery.site
    root_path = site.root_page.url_path if site else "/"
    return page.url_path[len(root_path) - 1 :] if page.url_path.startswith(root_path) else page.url_path


def page_item(page: Page, delivery: DeliveryContext) -> dict:
    """A result's fields shared by search, suggest and promotions: id, type, channel title, path."""
    override = delivery.channel_override(page.pk)
    return {
        "id": page.pk,
        "type": page.specific_class._meta.label if page.specific_class else "wagtailcore.Page",
        "title": (override and override.title) or page.title,
        "path": page_path(page, delivery),
        "detail_url": f"/api/v2/pages/{page.pk}/",
    }


def result_items(hits: list[Hit], q: str, delivery: DeliveryContext) -> list[dict]:
    """Search results as the API returns them: channel title and summary, a highlighted snippet, the score."""
    specific = {page.pk: page for page in Page.objects.filter(pk__in=[hit.page.pk for hit in hits]).specific()}
    terms = query_terms(q)
    items = []
    for hit in hits:
        page = specific.get(hit.page.pk, hit.page)
        override = delivery.channel_override(page.pk)
        summary = (override and override.summary) or getattr(page, "summary", "") or ""
        title = (override and override.title) or page.title
        # The text around the match, from what the result does not already show whole: the
        # summary, then the body; the title only when the match is nowhere else.
        snippet = highlight([summary, body_text(page), page.search_description, title], terms)
        items.append({**page_item(page, delivery), "summary": summary, "snippet": snippet, "score": hit.score})
    return items
