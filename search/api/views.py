"""`GET /api/v2/search/` and `GET /api/v2/search/suggest/`: the channel's pages, found by words.

Key authentication, scope, rate limit and origin check are the delivery API's
(ChannelContextMixin); bodies are cached and revalidated as the rest of the API's
(cms.api.caching), keyed by the content generation, the channel, the query parameters
and, for a query with segment promotions, the digest of only those segments.
"""

from django.conf import settings
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.models import Page, Site

from cms.api.caching import cached_body, conditional_response, personalised_vary, response_cache_key
from cms.api.generation import PerGeneration
from cms.api.lookups import channel_cache_control
from cms.api.personalisers import ContextError, DefaultState, PersonalisationState, personaliser
from cms.api.problems import ProblemError
from cms.api.views import ChannelContextMixin
from search.api.schema import SearchSchema, SuggestSchema
from search.promotions import Promotion, QueryPromotions, query_promotions
from search.query import (
    InvalidSearch,
    SearchUnavailable,
    page_item,
    result_items,
    search_pages,
    search_params,
    suggest_pages,
    suggest_params,
)

# Promotions change only with an edit, which moves the generation on (search.apps).
_promotions = PerGeneration(query_promotions)


class SearchEndpoint(ChannelContextMixin, APIView):
    """What both search endpoints share: checked parameters, problem answers, cached bodies."""

    renderer_classes = [JSONRenderer]
    parameters: frozenset[str] = frozenset()

    def is_context_parameter(self, name: str) -> bool:
        return False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        unknown = sorted(name for name in request.GET if name not in self.parameters and not self.is_context_parameter(name))
        if unknown:
            raise ProblemError(f"query parameter is not recognised: {', '.join(unknown)}", parameter=unknown[0])

    def handle_exception(self, exc):
        if isinstance(exc, InvalidSearch):
            exc = ProblemError(str(exc), parameter=exc.parameter)
        elif isinstance(exc, SearchUnavailable):
            exc = ProblemError(
                f"{exc}: try again later", status_code=503,
                headers={"Retry-After": str(settings.SEARCH_RETRY_AFTER_SECONDS)},
            )
        return super().handle_exception(exc)

    def respond(self, build, *, variant: str | None):
        """The cached body of `build()` (a DRF Response) as a conditional response; `variant` None: never cached."""
        if variant is None:
            response = build()
            response["Cache-Control"] = "private, no-store"
            return response
        site = Site.find_for_request(self.request)  # the request's memoised site: no query
        key = response_cache_key(
            generation=self.delivery.generation, channel_id=self.delivery.channel_id, site_id=site and site.pk,
            path=self.request.path,
            query=[(k, v) for k, v in self.request.GET.items() if not self.is_context_parameter(k)] + [("~", variant)],
        )
        entry = cached_body(key, build)
        if isinstance(entry, Response):
            return entry
        cache_control = channel_cache_control.get(self.delivery.generation, self.delivery.channel_id)
        response = conditional_response(self.request, *entry, cache_control=cache_control)
        if variant:
            # The promotions depend on the visitor: browsers may keep the body, shared caches may not.
            response["Cache-Control"] = f"private, {cache_control}"
            response["Vary"] = personalised_vary()
            response["Tailor-Segments-Digest"] = variant
        return response


class SearchView(SearchEndpoint):
    """Full-text search over the pages the key's channel may see, with editors' promotions."""

    parameters = frozenset({"q", "type", "locale", "limit", "offset"})
    schema = SearchSchema()

    def is_context_parameter(self, name: str) -> bool:
        return personaliser().is_context_parameter(name)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        try:
            personaliser().check_context_parameters(request.GET)
        except ContextError as exc:
            raise ProblemError(str(exc), parameter=exc.parameter) from exc

    @property
    def uncacheable(self) -> bool:
        """Explanations and simulations are for one viewer: never cached anywhere."""
        return self.request.GET.get("explain") in ("1", "true") or "simulate" in self.request.GET

    def personalise(self) -> PersonalisationState:
        """The visitor's decision, made as the pages endpoint makes it (asked only for segment promotions)."""
        simulation = self.request.GET.get("simulate") or None
        if simulation and not self.delivery.grant.has("preview"):
            raise ProblemError("simulate needs an API key with the 'preview' scope", status_code=403, parameter="simulate")
        try:
            return personaliser().state(
                channel=self.delivery.grant.channel_slug, params=self.request.GET, headers=self.request.headers,
                explain=self.request.GET.get("explain") in ("1", "true"), simulation=simulation,
            )
        except ContextError as exc:
            raise ProblemError(str(exc), parameter=exc.parameter) from exc

    def get(self, request):
        """Search the channel's pages."""
        params = search_params(request.GET, self.delivery)
        promotions: QueryPromotions = _promotions.get(self.delivery.generation, params.q)
        segment_ids = promotions.segment_ids
        if self.uncacheable:
            variant = None
        else:
            # Only the segments this query's promotions refer to: a query nobody promotes
            # per segment has one body per channel, whoever asks, and makes no decision.
            variant = self.delivery.personalization.digest(segment_ids) if segment_ids else ""

        def build() -> Response:
            outcome = search_pages(self.delivery, params)
            state = self.delivery.personalization if segment_ids else DefaultState()
            applied = promotions.applying(state, is_visible=self.delivery.page_is_visible) if params.offset == 0 else []
            meta = {"total_count": outcome.total, "query": params.q}
            if segment_ids:
                meta["personalization"] = state.meta(segment_ids)
            return Response({
                "meta": meta,
                "promoted": self._promoted(applied),
                "items": result_items(outcome.hits, params.q, self.delivery),
            })

        return self.respond(build, variant=variant)

    def _promoted(self, applied: list[Promotion]) -> list[dict]:
        """The promoted pages, in order, each saying which promotion applied and why."""
        if not applied:
            return []
        pages = Page.objects.filter(pk__in=[promotion.page_id for promotion in applied]).specific()
        by_id = {page.pk: page for page in pages}
        promoted = []
        for promotion in applied:
            page = by_id.get(promotion.page_id)
            if page is None:
                continue
            override = self.delivery.channel_override(page.pk)
            summary = (override and override.summary) or getattr(page, "summary", "") or ""
            promoted.append({**page_item(page, self.delivery), "summary": summary, "promotion": promotion.as_dict()})
        return promoted


class SuggestView(SearchEndpoint):
    """Completion on the titles of the pages the key's channel may see."""

    parameters = frozenset({"q", "limit", "locale"})
    schema = SuggestSchema()

    def get(self, request):
        """Suggest page titles that complete the words typed so far."""
        params = suggest_params(request.GET, self.delivery)

        def build() -> Response:
            pages = suggest_pages(self.delivery, params)
            return Response({"meta": {"query": params.q}, "items": [page_item(page, self.delivery) for page in pages]})

        return self.respond(build, variant="")

