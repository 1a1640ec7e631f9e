"""Delivery viewsets: Wagtail API v2 endpoints behind channel keys, shaped per channel, cached."""

from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError
from django.http import Http404
from django.http.request import split_domain_port
from django.utils.cache import patch_vary_headers
from rest_framework.response import Response
from wagtail.api import APIField
from wagtail.api.v2.filters import FieldsFilter, LocaleFilter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.fields import StreamField
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Page, Site

from cms.api.auth import ApiKeyAuthentication, HasScope
from cms.api.caching import (
    VARY, cached_body, conditional_response, content_generation, personalised_vary, response_cache_key,
)
from cms.api.delivery_context import DeliveryContext
from cms.api.filters import DeliveryFieldsFilter, parse_id
from cms.api.fields import ChannelImageField, ChannelOverridableField, LinkUrlField, RenditionsField, RichTextHtmlField
from cms.api.locales import DeliveryLocaleFilter
from cms.api.lookups import (
    all_segment_ids, channel_cache_control, live_pages, page_experiments, page_segment_ids, page_variants,
    page_view_facts, site_for,
)
from cms.api.pagination import DeliveryPagination
from cms.api.personalisers import ContextError, DefaultState, PersonalisationState, personaliser
from cms.api.cors import channel_origins
from cms.api.problems import ProblemError, ProblemMixin
from cms.api.serializers import DeliveryPageSerializer
from cms.api.throttling import KeyRateThrottle, rate_limit_headers
from cms.models import CallToAction, Promo
from cms.visibility import visible_in_collections, visible_pages


class ChannelContextMixin(ProblemMixin):
    """Key authentication, scope, rate limit, CORS origin check, and the request's delivery context.

    Nested representations (images, snippets, rich text) ask the delivery context about the
    channel: its overrides, what is visible, how the visitor is personalised.
    """

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [KeyRateThrottle]
    required_scope = "delivery"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "pk" in kwargs and parse_id(str(kwargs["pk"])) is None:
            raise Http404("not found")  # beyond what an id column holds: no such object
        for name, value in request.GET.items():
            if "\x00" in name or "\x00" in value:
                raise ProblemError("null characters are not allowed", parameter=name.replace("\x00", ""))
        self.delivery = DeliveryContext(
            grant=request.auth, generation=content_generation(), site=self.content_site, personalise=self.personalise,
        )
        self._remember_site(request)
        origin = request.headers.get("Origin")
        if origin and origin not in channel_origins.get(self.delivery.generation, self.delivery.channel_id):
            raise ProblemError(f"origin {origin} is not allowed for this key's channel", status_code=403)

    personalise: Callable[[], PersonalisationState] | None = None  # endpoints that personalise decide with it

    def _remember_site(self, request) -> None:
        """Resolve the request's site from a per-generation memo; Wagtail would query on every request."""
        if not hasattr(request, "_wagtail_site"):
            hostname = split_domain_port(request._get_raw_host())[0]
            request._wagtail_site = site_for.get(self.delivery.generation, hostname, request.get_port())

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "delivery": self.delivery}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for header, value in rate_limit_headers(request).items():
            response[header] = value
        # Every answer depends on the key, errors and find's redirects included: a shared
        # cache must not hand one key's 404 or 302 to another.
        patch_vary_headers(response, [header.strip() for header in VARY.split(",")])
        return response

    def content_site(self) -> Site | None:
        """The site whose pages this request may see (read once, through the delivery context)."""
        return Site.find_for_request(self.request)


class DeliveryMixin(ChannelContextMixin):
    """Wagtail API v2 viewsets behind channel keys: checked parameters, cached conditional responses."""

    pagination_class = DeliveryPagination

    def is_extra_parameter(self, name: str) -> bool:
        """Parameters beyond Wagtail's that this endpoint accepts (the visitor context, on pages)."""
        return False

    def check_query_parameters(self, queryset):
        """Wagtail's check and wording, plus the extra parameters and a bound on `fields` nesting."""
        allowed = set(self.get_available_fields(queryset.model, db_fields_only=True)) | self.known_query_parameters
        unknown = {name for name in self.request.GET if name not in allowed and not self.is_extra_parameter(name)}
        if unknown:
            raise BadRequestError(
                "query parameter is not an operation or a recognised field: %s" % ", ".join(sorted(unknown))
            )
        if _nesting_depth(self.request.GET.get("fields", "")) > settings.API_FIELDS_MAX_DEPTH:
            raise BadRequestError(f"fields error: nesting deeper than {settings.API_FIELDS_MAX_DEPTH} levels")
        # Wagtail passes any operator to the search backend, which raises (a 500 in stock Wagtail).
        operator = self.request.GET.get("search_operator")
        if "search" in self.request.GET and operator and operator.lower() not in ("and", "or"):
            raise BadRequestError("search_operator must be either 'and' or 'or'")

    def cache_variant(self) -> str | None:
        """What besides path and content parameters the body depends on; None: do not cache."""
        return ""

    def cached(self, build):
        variant = self.cache_variant()
        if variant is None:
            return build()
        site = Site.find_for_request(self.request)  # the request's memoised site: no query
        key = response_cache_key(
            generation=self.delivery.generation,
            channel_id=self.delivery.channel_id,
            site_id=site and site.pk,
            path=self.request.path,
            query=[(k, v) for k, v in self.request.GET.items() if not self.is_extra_parameter(k)] + [("~", variant)],
        )
        page_id = int(self.kwargs.get("pk", 0))  # the requested page: build may serve a variant instead
        entry = cached_body(key, build)
        if isinstance(entry, Response):
            return entry
        if variant:  # a personalised body served, hit or miss, 200 or 304
            personaliser().body_served(channel_id=self.delivery.channel_id, page_id=page_id, etag=entry[0], body=entry[1])
            if (state := self.delivery.decided) is not None:
                state.served(channel_id=self.delivery.channel_id)  # its experiment arms were shown
        cache_control = channel_cache_control.get(self.delivery.generation, self.delivery.channel_id)
        response = conditional_response(self.request, *entry, cache_control=cache_control)
        if variant:
            # The body depends on the visitor: browsers may keep it, shared caches may not.
            response["Cache-Control"] = f"private, {cache_control}"
            response["Vary"] = personalised_vary()
            response["Tailor-Segments-Digest"] = variant
        return response

    def listing_view(self, request):
        return self.cached(lambda: self._listing(request))

    def _listing(self, request):
        try:
            return super(DeliveryMixin, self).listing_view(request)
        except DatabaseError as exc:
            # SQLite's full-text syntax rejects some queries (an unbalanced quote) at execution.
            if "search" not in request.GET:
                raise
            raise BadRequestError("search query could not be understood: remove quotes or special characters") from exc

    def find_object(self, queryset, request):
        value = request.GET.get("id")
        if value is not None and parse_id(value) is None:
            raise BadRequestError("id must be a positive integer")
        return super().find_object(queryset, request)

    def detail_view(self, request, pk):
        return self.cached(lambda: super(DeliveryMixin, self).detail_view(request, pk))

    def find_view(self, request):
        """Wagtail's redirect, but relative: clients drop Authorization on a redirect to another origin."""
        response = super().find_view(request)
        location = urlsplit(response["Location"])
        response["Location"] = urlunsplit(("", "", location.path, location.query, ""))
        return response


def _nesting_depth(fields: str) -> int:
    """How deep `fields` nests: `a(b(c)),d(e)` is 2 (siblings do not add up)."""
    depth = deepest = 0
    for character in fields:
        if character == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif character == ")":
            depth -= 1
    return deepest


def _delivery_filters(backends: list) -> list:
    """Wagtail's filter backends, with ours for fields (400 for values the database refuses) and locales."""
    ours = {FieldsFilter: DeliveryFieldsFilter, LocaleFilter: DeliveryLocaleFilter}
    return [ours.get(backend, backend) for backend in backends]


# Detail parameters that leave the page's queryset alone (the rest filter it, as in Wagtail).
UNFILTERING_PARAMETERS = frozenset({"fields", "_", "format"})


class DeliveryPagesViewSet(DeliveryMixin, PagesAPIViewSet):
    filter_backends = _delivery_filters(PagesAPIViewSet.filter_backends)
    base_serializer_class = DeliveryPageSerializer  # meta.alias_of only when the original is visible
    body_fields = ["id", APIField("title", serializer=ChannelOverridableField("title"))]

    # --- personalisation ------------------------------------------------------------
    def is_extra_parameter(self, name: str) -> bool:
        return personaliser().is_context_parameter(name)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Before the cache: a cached body is shared by every visitor context, so a bad value
        # would otherwise be a 400 or a 200 depending on what happened to be cached.
        try:
            personaliser().check_context_parameters(request.GET)
        except ContextError as exc:
            raise ProblemError(str(exc), parameter=exc.parameter) from exc

    @property
    def explain(self) -> bool:
        return self.request.GET.get("explain") in ("1", "true")

    @property
    def uncacheable(self) -> bool:
        """Explanations and simulations are for one viewer: never cached anywhere."""
        return self.explain or "simulate" in self.request.GET

    def personalise(self) -> PersonalisationState:
        """The decision for this request (the delivery context asks once, on first use)."""
        simulation = self.request.GET.get("simulate") or None
        if simulation and not self.delivery.grant.has("preview"):
            raise ProblemError("simulate needs an API key with the 'preview' scope", status_code=403, parameter="simulate")
        try:
            return personaliser().state(
                channel=self.delivery.grant.channel_slug, params=self.request.GET, headers=self.request.headers,
                explain=self.explain, simulation=simulation,
            )
        except ContextError as exc:
            raise ProblemError(str(exc), parameter=exc.parameter) from exc

    def referenced_segment_ids(self) -> frozenset[int]:
        """Segments whose membership can change this response."""
        if self.action == "detail_view":
            generation = self.delivery.generation
            return page_segment_ids.get(generation, generation, int(self.kwargs["pk"]))
        # A listing is personalised only through the StreamFields it returns: a listing of
        # titles is one body for every visitor, however many segments the pages' bodies use.
        fields = self._returned_stream_fields()
        return all_segment_ids.get(self.delivery.generation, fields) if fields else frozenset()

    def referenced_experiments(self) -> tuple[str, ...]:
        """Experiments that may test blocks of the requested page (detail only: a listing serves no arm)."""
        if self.action != "detail_view":
            return ()
        return page_experiments.get(self.delivery.generation, int(self.kwargs["pk"]))

    def _assign_experiments(self) -> tuple[str, ...]:
        """Assign the visitor to the requested page's experiments, before its body is keyed or built."""
        experiments = self.referenced_experiments()
        if experiments:
            self.delivery.personalization.experiments_for_page(int(self.kwargs["pk"]), experiments)
        return experiments

    def _returned_stream_fields(self) -> frozenset[str]:
        """Names of the StreamFields among the fields this listing returns (`fields=`, or the defaults)."""
        if not hasattr(self, "_stream_fields"):
            # Only the queryset's model is read here, before the cache is asked: an empty base
            # queryset spares the cache-hit path the visibility query of get_base_queryset.
            self._shape_only = True
            try:
                queryset = self.get_queryset()
                self.check_query_parameters(queryset)  # its errors come first, as in Wagtail's listing
                model = queryset.model
                fields = self.get_serializer_class().Meta.fields
            finally:
                self._shape_only = False
            names = set()
            for name in fields:
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                if isinstance(field, StreamField):
                    names.add(name)
            self._stream_fields = frozenset(names)
        return self._stream_fields

    def cache_variant(self) -> str | None:
        ids = self.referenced_segment_ids()
        if self.uncacheable:
            return None
        # A page that experiments touch varies by arm too; every other page keeps one body per segment digest.
        experiments = self._assign_experiments()
        return self.delivery.personalization.digest(ids) if ids or experiments else ""

    def _personalization_meta(self, ids: frozenset[int], experiments: tuple[str, ...] = ()) -> dict:
        """`meta.personalization` once the body is built (its slots chose their variants)."""
        return self.delivery.personalization.meta(ids) if ids or experiments else DefaultState().meta(ids)

    def _personalized(self, build):
        """The cached response of `build`; never stored anywhere when it explains or simulates."""
        response = self.cached(build)
        if self.uncacheable:
            response["Cache-Control"] = "private, no-store"
        return response

    def listing_view(self, request):
        def build():
            response = self._listing(request)
            response.data["meta"]["personalization"] = self._personalization_meta(self.referenced_segment_ids())
            return response

        return self._personalized(build)

    def detail_view(self, request, pk):
        def build():
            ids = self.referenced_segment_ids()  # the requested page's, before a variant replaces it
            experiments = self._assign_experiments()  # before its blocks choose their content
            served = self._page_variant_for(int(pk))
            if served is not None:
                self.kwargs["pk"] = served
            response = PagesAPIViewSet.detail_view(self, request, served or pk)
            meta = self._personalization_meta(ids, experiments)
            if served is not None:
                meta["page_variant"] = {"requested": int(pk), "served": served}
            # `fields=_,…` leaves no meta: personalisation is still reported, in a meta of its own.
            response.data.setdefault("meta", {})["personalization"] = meta
            return response

        response = self._personalized(build)
        if response.status_code in (200, 304) and "simulate" not in request.GET:
            self._record_page_view(int(pk))
        return response

    def _record_page_view(self, page_id: int) -> None:
        """The visitor viewed the requested page (its URL path, whichever variant was served)."""
        generation = self.delivery.generation
        facts = page_view_facts.get(generation, generation, page_id)
        if facts is not None:
            # A decision made for this request lends its profile; pages nobody personalises make none.
            state = self.delivery.decided
            personaliser().page_view_record(self.request.headers, path=facts[0], content_type=facts[1], state=state)

    def _page_variant_for(self, page_id: int) -> int | None:
        """The alternative page this visitor gets instead of `page_id`, if a page variant applies."""
        usable = {
            position: (segment_id, alternative_id)
            for position, (segment_id, alternative_id, channel_id)
            in enumerate(page_variants.get(self.delivery.generation, page_id), start=1)
            if channel_id in (None, self.delivery.channel_id) and self.delivery.page_is_visible(alternative_id)
        }
        state = self.delivery.personalization
        # An experiment on the variant set decides first: its arm, not the segments, picks the page.
        decided, served = state.page_experiment_choice(page_id, {p: alt for p, (_, alt) in usable.items()})
        if decided:
            return served
        if not usable:
            return None
        return state.choose_page(list(usable.values()))

    def get_object(self):
        """The requested page; without filters, from the live-page memo if the database says it is visible."""
        if hasattr(self, "_cached_object") or self._filtered:
            return super().get_object()
        pk = int(self.kwargs["pk"])
        page = live_pages.get(self.delivery.generation, pk) if self.delivery.page_is_visible(pk) else None
        if page is None:
            raise Http404("No Page matches the given query.")  # DRF's wording, as in stock Wagtail
        self._cached_object = page
        return page

    @property
    def _filtered(self) -> bool:
        """Whether the query has parameters that filter the detail's queryset (Wagtail applies them)."""
        return any(name not in UNFILTERING_PARAMETERS and not self.is_extra_parameter(name) for name in self.request.GET)

    _shape_only = False  # see _returned_stream_fields

    def get_base_queryset(self):
        if self._shape_only:
            return Page.objects.none()
        site = self.delivery.site
        root = site and site.root_page
        return visible_pages(channel_id=self.delivery.channel_id, root=root, restricted=self.delivery.restricted_paths)

    def content_site(self) -> Site | None:
        """The `site` parameter's site (Wagtail's rules), else the request's."""
        requested = self.request.GET.get("site")
        if not requested:
            return Site.find_for_request(self.request)
        hostname, _, port = requested.partition(":")
        if port and not (port.isascii() and port.isdigit() and len(port) <= 5 and int(port) <= 65535):
            raise BadRequestError("site port must be a number from 0 to 65535")
        sites = Site.objects.filter(hostname=hostname, **({"port": port} if port else {}))
        if len(sites) > 1:
            raise BadRequestError("Your query returned multiple sites. Try adding a port number to your site filter.")
        return sites.first()


class DeliveryImagesViewSet(DeliveryMixin, ImagesAPIViewSet):
    filter_backends = _delivery_filters(ImagesAPIViewSet.filter_backends)
    body_fields = ImagesAPIViewSet.body_fields + [
        "alt_text",
        "credit",
        APIField("renditions", serializer=RenditionsField(read_only=True)),
    ]

    def get_queryset(self):
        return visible_in_collections(self.model.objects.order_by("id"), private=self.delivery.private_collections)


class DeliveryDocumentsViewSet(DeliveryMixin, DocumentsAPIViewSet):
    filter_backends = _delivery_filters(DocumentsAPIViewSet.filter_backends)
    def get_queryset(self):
        return visible_in_collections(self.model.objects.order_by("id"), private=self.delivery.private_collections)


class CallToActionsViewSet(DeliveryMixin, BaseAPIViewSet):
    model = CallToAction
    name = "call-to-actions"
    body_fields = ["id", "title", "text", "button_label", APIField("url", serializer=LinkUrlField())]
    listing_default_fields = ["id", "type", "detail_url", "title", "button_label"]


class PromosViewSet(DeliveryMixin, BaseAPIViewSet):
    model = Promo
    name = "promos"
    body_fields = [
        "id",
        "title",
        APIField("body", serializer=RichTextHtmlField()),
        APIField("image", serializer=ChannelImageField("image")),
        APIField("url", serializer=LinkUrlField()),
    ]
    listing_default_fields = ["id", "type", "detail_url", "title"]
