"""Per-process lookups that delivery responses are built from, memoised per content generation.

Each is computed once per process and generation (see `PerGeneration`): a change that
can alter a response bumps the generation, so nothing here outlives the content it read.
"""

from collections.abc import Iterator
from urllib.parse import urlsplit

from django.db.models import prefetch_related_objects
from wagtail.fields import StreamField
from wagtail.models import Page, Site, get_page_models
from wagtail.models.sites import get_site_for_hostname

from cms.api.generation import PerGeneration
from cms.api.personalisers import PageVariantRow, personaliser
from cms.models import Channel, PageChannelOverride


def _overrides(channel_id: int) -> dict[int, PageChannelOverride]:
    return {
        override.page_id: override
        for override in PageChannelOverride.objects.filter(channel_id=channel_id).select_related("hero_image")
    }


def _cache_control(channel_id: int) -> str:
    max_age = Channel.objects.filter(pk=channel_id).values_list("cache_max_age", flat=True).first() or 0
    return f"max-age={max_age}, must-revalidate"


def _body_segment_ids(generation: int, page_id: int) -> frozenset[int]:
    """Segments a live page's content refers to (a page that is not live is never served)."""
    page = live_pages.get(generation, page_id)
    return frozenset(_stream_segment_ids(page)) if page else frozenset()


def _stream_segment_ids(page: Page) -> set[int]:
    """Segments referred to by any StreamField of a specific page."""
    ids: set[int] = set()
    segment_ids_in_stream = personaliser().segment_ids_in_stream
    for field in page._meta.concrete_fields:
        if isinstance(field, StreamField):
            ids |= segment_ids_in_stream(getattr(page, field.attname).raw_data)
    return ids


def _page_variants(page_id: int) -> tuple[PageVariantRow, ...]:
    return personaliser().page_variants(page_id)


def _page_experiments(page_id: int) -> tuple[str, ...]:
    return personaliser().page_experiments(page_id)


def _page_segment_ids(generation: int, page_id: int) -> frozenset[int]:
    """Segments that can change a page's detail: its blocks', its page variants' and theirs."""
    variants = page_variants.get(generation, page_id)
    ids = set(_body_segment_ids(generation, page_id))
    for segment_id, alternative_id, _ in variants:
        ids.add(segment_id)
        ids |= _body_segment_ids(generation, alternative_id)
    return frozenset(ids)


def _all_segment_ids(field_names: frozenset[str] | None = None) -> frozenset[int]:
    """Segments referred to by any live page: the raw StreamField data of each page model, one query each.

    `field_names` limits the search to the StreamFields of those names (the fields a listing returns).
    """
    return frozenset().union(*(ids for _, ids in live_page_segment_ids(field_names)))


def live_page_segment_ids(field_names: frozenset[str] | None = None) -> Iterator[tuple[str, set[int]]]:
    """(title, ids of the segments its personalised blocks name) of each live page, one query per page model.

    Reads every StreamField of each page model (or only those named in `field_names`) as stored JSON.
    """
    segment_ids_in_stream = personaliser().segment_ids_in_stream
    for model in get_page_models():
        fields = [
            f.attname for f in model._meta.concrete_fields
            if isinstance(f, StreamField) and f.model is model and (field_names is None or f.name in field_names)
        ]
        for title, *values in model.objects.live().values_list("title", *fields) if fields else ():
            yield title, set().union(*(segment_ids_in_stream(getattr(value, "raw_data", value)) for value in values))


def _site_for(hostname: str, port: int) -> Site | None:
    try:
        return get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        return None


def _live_page(page_id: int) -> Page | None:
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None:
        return None
    page = page.specific
    prefetch_related_objects([page], *(field.name for field in page._meta.many_to_many))
    return page


def _page_view_facts(generation: int, page_id: int) -> tuple[str, str] | None:
    """(URL path, content type label) of a live page, as profiles record a view of it."""
    page = live_pages.get(generation, page_id)
    if page is None:
        return None
    return urlsplit(page.get_url() or "").path, page._meta.label_lower


channel_overrides = PerGeneration(_overrides)
site_for = PerGeneration(_site_for)
# Live pages as their specific objects, StreamField values loaded on first use and kept:
# a publish, unpublish or move bumps the generation, so none outlives its content.
live_pages = PerGeneration(_live_page, max_entries=1024)
page_view_facts = PerGeneration(_page_view_facts)
channel_cache_control = PerGeneration(_cache_control)
page_variants = PerGeneration(_page_variants)
page_segment_ids = PerGeneration(_page_segment_ids)
page_experiments = PerGeneration(_page_experiments)
all_segment_ids = PerGeneration(_all_segment_ids)
