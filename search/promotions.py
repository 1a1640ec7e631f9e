"""Which promoted results a query gets, for everyone and, through a registered provider, per segment.

Editors pin pages for a query with Wagtail's search promotions (`SearchPromotion`): those
apply to every visitor. Segment-only promotions live in the app that knows segments
(personalization registers a provider at `AppConfig.ready()`); search only learns their
(segment id, page id) rows and asks the request's personalisation decision, the same one
the rest of the API uses, whether the visitor is in the segment. Without a provider, or
without a decision that matches, no segment promotion applies (fail closed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.search.utils import normalise_query_string

from cms.api.personalisers import PersonalisationState


class SegmentPromotionRow(NamedTuple):
    """A page pinned for a query, for members of one segment only."""

    segment_id: int
    segment_key: str
    page_id: int
    sort_order: int
    description: str


class SegmentPromotionProvider(Protocol):
    """Where segment-only promotions are stored."""

    def segment_promotions(self, query_string: str) -> Sequence[SegmentPromotionRow]:
        """The rows pinned for this normalised query string, in the editors' order."""


class NoProvider:
    """Nothing segment-specific is known: only the promotions for every visitor apply."""

    def segment_promotions(self, query_string: str) -> Sequence[SegmentPromotionRow]:
        return ()


_registered: SegmentPromotionProvider = NoProvider()


def promotion_provider() -> SegmentPromotionProvider:
    """The registered provider, or the fail-closed default."""
    return _registered


def promotion_provider_register(candidate: SegmentPromotionProvider | None) -> SegmentPromotionProvider:
    """Make `candidate` the provider of segment promotions (None: none); return the previous one."""
    global _registered
    previous, _registered = _registered, candidate or NoProvider()
    return previous


class Promotion(NamedTuple):
    """A promoted page and why it applies (`explain`)."""

    page_id: int
    segment_id: int | None
    segment_key: str | None
    description: str

    def as_dict(self) -> dict:
        return {
            "page_id": self.page_id,
            "segment": self.segment_key,
            "reason": "segment" if self.segment_key else "everyone",
            "description": self.description,
        }


class QueryPromotions(NamedTuple):
    """The candidate promotions of one query: for everyone, and per segment."""

    everyone: tuple[Promotion, ...]
    by_segment: tuple[SegmentPromotionRow, ...]

    @property
    def segment_ids(self) -> frozenset[int]:
        """The segments that can change this query's answer: its cache key varies on them only."""
        return frozenset(row.segment_id for row in self.by_segment)

    def applying(self, state: PersonalisationState, *, is_visible) -> list[Promotion]:
        """The promotions this visitor gets, best first: segment ones the decision matched, then everyone's.

        `is_visible(page_id)`: whether the request may see the page (a promotion never reveals one).
        """
        chosen: list[Promotion] = []
        for row in self.by_segment:
            # A decision picks the row's page only when the visitor is in the row's segment.
            if is_visible(row.page_id) and state.choose_page([(row.segment_id, row.page_id)]) == row.page_id:
                chosen.append(Promotion(row.page_id, row.segment_id, row.segment_key, row.description))
        chosen += [promotion for promotion in self.everyone if is_visible(promotion.page_id)]
        seen: set[int] = set()
        return [p for p in chosen if not (p.page_id in seen or seen.add(p.page_id))]


def query_promotions(query: str) -> QueryPromotions:
    """The promotions editors pinned for this query (two small queries by the normalised query string)."""
    normalised = normalise_query_string(query)
    everyone = tuple(
        Promotion(page_id, None, None, description or "")
        for page_id, description in SearchPromotion.objects.filter(
            query__query_string=normalised, page__isnull=False
        ).order_by("sort_order", "pk").values_list("page_id", "description")
    )
    return QueryPromotions(everyone, tuple(promotion_provider().segment_promotions(normalised)))
