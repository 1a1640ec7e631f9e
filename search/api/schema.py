"""OpenAPI description of the search endpoints: parameters as the query layer checks them, typed bodies."""

from django.conf import settings
from wagtail.models import get_page_models

from cms.api.locales import LOCALE_DESCRIPTION
from cms.api.schema import DeliveryApiSchema, nullable, obj, ref, string
from cms.api.schema.parameters import _if_none_match, _parameter, _visitor_parameters
from cms.api.schema.personalisation import PERSONALIZATION_META
from search.query import SUGGEST_LIMIT_MAX

# Errors (DeliveryApiSchema._responses): 400 a bad parameter, 401 no valid key, 403 no `delivery`
# scope or an origin the channel does not list, 404 a locale no page has, 429 the key's rate limit,
# 503 with Retry-After the search backend unreachable (among every operation's server statuses).
# Anything but blank: surrounding whitespace is dropped, and a blank query is a 400.
QUERY_PATTERN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def _query_parameter(max_length: int, description: str) -> dict:
    schema = string(minLength=1, maxLength=max_length, pattern=QUERY_PATTERN)
    return _parameter("q", schema, description, required=True)


def _bounded(name: str, low: int, high: int, default: int, description: str) -> dict:
    return _parameter(name, {"type": "integer", "minimum": low, "maximum": high, "default": default}, description)


def search_components(_block_schemas=None) -> dict[str, dict]:
    """The search and suggest bodies (registered by SearchConfig.ready)."""
    page = {
        "id": {"type": "integer"},
        "type": string("The page type, e.g. `cms.ArticlePage` (the `type` parameter's values)."),
        "title": string("The title, the channel's own where it overrides it."),
        "path": string("The page's path on the site (`/api/v2/pages/find/?html_path=` takes it)."),
        "detail_url": string("The page's detail in the pages endpoint."),
    }
    page_required = list(page)
    promotion = obj(
        {
            "page_id": {"type": "integer"},
            "segment": nullable(string("The segment whose members this promotion is for; null: everyone.")),
            "reason": string("`segment`: the visitor is in `segment`; `everyone`: pinned for all.", enum=["segment", "everyone"]),
            "description": string("The editor's note on the promotion."),
        },
        required=["page_id", "segment", "reason", "description"],
        description="Which promotion put this page first, and why.",
    )
    result = obj(
        {
            **page,
            "summary": string("The summary, the channel's own where it overrides it."),
            "snippet": nullable(string(
                "HTML: the text around the first match, escaped, with the matched words in `<mark>`; "
                "null when the match is in no text shown (e.g. a tag)."
            )),
            "score": nullable({"type": "number", "description": "The backend's relevance; null if it ranks none."}),
        },
        required=[*page_required, "summary", "snippet", "score"],
        description="A page that matched.",
    )
    promoted = obj(
        {**page, "summary": string("The summary, the channel's own where it overrides it."), "promotion": ref("SearchPromotion")},
        required=[*page_required, "summary", "promotion"],
        description="A page an editor pinned for this query.",
    )
    response = obj(
        {
            "meta": obj(
                {
                    "total_count": {"type": "integer", "description": "Matches in all (promotions not counted)."},
                    "query": string("The query searched, without surrounding whitespace."),
                    "personalization": PERSONALIZATION_META,
                },
                required=["total_count", "query"],
            ),
            "promoted": {
                "type": "array", "items": ref("SearchPromotedPage"),
                "description": "Pinned pages for this query and visitor, best first (with `offset=0` only).",
            },
            "items": {"type": "array", "items": ref("SearchResult"), "description": "Matches, best first."},
        },
        required=["meta", "promoted", "items"],
        description="Pages of the key's channel that match the query.",
    )
    suggestion = obj(page, required=page_required, description="A page whose title completes the query.")
    suggest = obj(
        {
            "meta": obj({"query": string()}, required=["query"]),
            "items": {"type": "array", "items": ref("SearchSuggestion")},
        },
        required=["meta", "items"],
        description="Titles that complete the words typed so far.",
    )
    return {
        "SearchPromotion": promotion, "SearchResult": result, "SearchPromotedPage": promoted,
        "SearchResponse": response, "SearchSuggestion": suggestion, "SuggestResponse": suggest,
    }


class SearchSchema(DeliveryApiSchema):
    """`GET /api/v2/search/`."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        self.registry = registry
        self._register_components()
        labels = sorted(model._meta.label for model in get_page_models() if model._meta.label != "wagtailcore.Page")
        return {
            "operationId": "searchList",
            "tags": ["search"],
            "summary": "Search the channel's pages",
            "description": (
                "Full-text search over the pages this key's channel may see (never drafts, private, expired "
                "or unoffered pages), best match first, with titles and summaries as the channel overrides "
                "them. Quoted words are searched as a phrase. Pages editors pinned for the query come in "
                "`promoted`, those pinned for a segment only when the visitor is in it (the visitor context "
                "parameters and headers are the pages endpoint's). 503 with `Retry-After` when the search "
                "backend cannot answer."
            ),
            "security": [{"ApiKey": []}],
            "parameters": [
                _query_parameter(settings.SEARCH_QUERY_MAX_LENGTH, f"The words to search for (at most {settings.SEARCH_QUERY_MAX_LENGTH} characters)."),
                _parameter("type", string(enum=labels), "Only pages of this type."),
                _parameter("locale", string(), LOCALE_DESCRIPTION),
                _bounded("limit", 1, settings.API_LIMIT_MAX, min(20, settings.API_LIMIT_MAX), "Results per page."),
                _bounded("offset", 0, settings.API_OFFSET_MAX, 0, "Results to skip."),
                *_visitor_parameters(type(self.view)),
                _if_none_match(),
            ],
            "responses": self._responses(200, ref("SearchResponse"), conditional=True),
        }


class SuggestSchema(DeliveryApiSchema):
    """`GET /api/v2/search/suggest/`."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        self.registry = registry
        self._register_components()
        return {
            "operationId": "searchSuggest",
            "tags": ["search"],
            "summary": "Complete page titles",
            "description": (
                "Pages of the key's channel whose title has words starting with the query's (the backend's "
                "autocomplete), for a search box's suggestions. 503 with `Retry-After` when the search "
                "backend cannot answer."
            ),
            "security": [{"ApiKey": []}],
            "parameters": [
                _query_parameter(settings.SEARCH_SUGGEST_MAX_LENGTH, f"The words typed so far (at most {settings.SEARCH_SUGGEST_MAX_LENGTH} characters)."),
                _parameter("locale", string(), LOCALE_DESCRIPTION),
                _bounded("limit", 1, SUGGEST_LIMIT_MAX, 10, "Suggestions to return."),
                _if_none_match(),
            ],
            "responses": self._responses(200, ref("SuggestResponse"), conditional=True),
        }
