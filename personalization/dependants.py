"""What depends on a segment or a trait: the things that would silently stop matching
if it were deleted, unpublished or expired.

A segment's dependants are the live segments that use it with ``member_of``, and the
content that names it: live pages (personalised blocks and page variants) and placements.
They are read from the stored data, not from Wagtail's reference index, which is updated
in the background and may lag a save by the time a marketer deletes. A trait's dependants
are the live segments whose conditions read ``trait.<name>``.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from cms.api.lookups import live_page_segment_ids
from personalization.delivery import segment_ids_in_stream
from personalization.models import PageVariant, Placement, Segment, TraitDefinition
from personalization.engine import compile_partial
from personalization.specs import live_segments, segment_spec, trait_types


@dataclass(frozen=True)
class Dependant:
    """One thing that uses a segment or a trait, described for the marketer."""

    kind: str  # "segment", or the verbose name of the referring model ("page", "placement")
    label: str

    def __str__(self) -> str:
        return f"{self.kind} '{self.label}'"


def _leaves(definition: object) -> Iterator[dict]:
    """The conditions of a stored definition, without validating it (any JSON is walked)."""
    stack = [definition]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "attribute" in node:
                yield node
            stack.extend(node.get(kind) for kind in ("all", "any", "not") if kind in node)
        elif isinstance(node, list):
            stack.extend(node)


def segments_using_segment(key: str, *, exclude_pk: int | None = None) -> list[Segment]:
    """Live segments whose conditions include ``member_of <key>``."""
    return [
        segment
        for segment in live_segments().exclude(pk=exclude_pk)
        if any(
            (leaf.get("attribute"), leaf.get("operator"), leaf.get("value")) == ("segment", "member_of", key)
            for leaf in _leaves(segment.definition)
        )
    ]


def segments_using_trait(name: str) -> list[Segment]:
    """Live segments whose conditions read ``trait.<name>``."""
    attribute = f"trait.{name}"
    return [
        segment for segment in live_segments()
        if any(leaf.get("attribute") == attribute for leaf in _leaves(segment.definition))
    ]


def pages_using_segment(pk: int) -> list[str]:
    """Titles of live pages whose personalised blocks name segment ``pk`` (the page's own title,
    whatever its privacy: the marketer must find it)."""
    return sorted({title for title, ids in live_page_segment_ids() if pk in ids})


def page_variants_using_segment(pk: int) -> list[str]:
    """"Page → alternative" for each page variant of a live page that serves segment ``pk``."""
    variants = PageVariant.objects.filter(segment_id=pk, page__live=True).order_by("page__title", "sort_order")
    return [f"{page} → {alternative}" for page, alternative in variants.values_list("page__title", "alternative__title")]


def placements_using_segment(pk: int) -> list[str]:
    """Names of placements with a variant for segment ``pk``."""
    return [
        name
        for name, variants in Placement.objects.values_list("name", "variants")
        if pk in placement_segment_ids(getattr(variants, "raw_data", variants))
    ]


def placement_segment_ids(raw) -> set[int]:
    """Ids of the segments a placement's stored variants name."""
    # A placement's variants are those of a personalised block, stored as "variant" stream children.
    variants = [
        child.get("value") or {} for child in raw or () if isinstance(child, dict) and child.get("type") == "variant"
    ]
    return segment_ids_in_stream([{"type": "personalised", "value": {"variants": variants}}])


def segments_broken_by_trait_change(trait: TraitDefinition) -> list[Segment]:
    """Live segments that compile with the stored traits but not once ``trait`` is saved as
    edited (renamed, or a type their conditions cannot use)."""
    before = trait_types()
    after = dict(before)
    if trait.pk:
        after.pop(TraitDefinition.objects.filter(pk=trait.pk).values_list("name", flat=True).first(), None)
    after[trait.name] = trait.type
    segments = list(live_segments())
    specs = [segment_spec(segment) for segment in segments]
    left_before = {left.key for left in compile_partial(specs, trait_types=before).left_out}
    left_after = {left.key for left in compile_partial(specs, trait_types=after).left_out}
    return [segment for segment in segments if segment.key in left_after - left_before]


def segment_dependants(segment: Segment) -> list[Dependant]:
    """Live segments using ``segment`` and the live pages, page variants and placements that name it."""
    return [
        *(Dependant("segment", s.name) for s in segments_using_segment(segment.key, exclude_pk=segment.pk)),
        *(Dependant("page", title) for title in pages_using_segment(segment.pk)),
        *(Dependant("page variant", label) for label in page_variants_using_segment(segment.pk)),
        *(Dependant("placement", name) for name in placements_using_segment(segment.pk)),
    ]


def trait_dependants(trait: TraitDefinition) -> list[Dependant]:
    """Live segments whose conditions use ``trait``."""
    return [Dependant("segment", segment.name) for segment in segments_using_trait(trait.name)]


def dependants_text(dependants: list[Dependant]) -> str:
    """"segment 'B', page 'Spring offer'" for a message."""
    return ", ".join(str(dependant) for dependant in dependants)
