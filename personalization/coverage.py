"""Coverage: which live page is offered on which channel, which variants exist for which
segments, and the gaps (a large segment with no variant on a personalised page).

`page_coverage` and `gaps` are pure; `collect` reads pages, channels and segment sizes.
"""

from dataclasses import dataclass, field

# A segment is large when at least this share of stored visitor profiles are its members now.
LARGE_SEGMENT_SHARE = 0.10
EVERY_CHANNEL = ""


@dataclass
class ChannelCell:
    """A page on one channel: offered or not, and what its override changes."""

    offered: bool
    changes: list[str] = field(default_factory=list)


@dataclass
class PageCoverage:
    page_id: int
    title: str
    type_name: str
    channels: dict[str, ChannelCell]
    # Segment id -> channel slugs its variants are for (EVERY_CHANNEL: all channels).
    variants: dict[int, set[str]]
    slots: int
    page_variants: int
    missing: list[int] = field(default_factory=list)

    @property
    def personalised(self) -> bool:
        return bool(self.slots or self.page_variants)


def stream_variants(raw_blocks) -> tuple[int, dict[int, set[str]]]:
    """(personalised slots, segment id -> channel slugs) of a StreamField's stored JSON.

    A variant with no segment is for anyone and covers no segment in particular.
    """
    slots, variants = 0, {}
    for block in raw_blocks or []:
        if block.get("type") != "personalised":
            continue
        slots += 1
        for variant in block.get("value", {}).get("variants", []):
            value = variant.get("value", variant)
            channels = set(value.get("channels") or []) or {EVERY_CHANNEL}
            for segment in value.get("segments", []):
                segment_id = segment.get("value") if isinstance(segment, dict) else segment
                if isinstance(segment_id, int):
                    variants.setdefault(segment_id, set()).update(channels)
    return slots, variants


def large_segment_ids(members: dict[int, int], profiles: int, share: float = LARGE_SEGMENT_SHARE) -> set[int]:
    """Segments whose current members are at least `share` of all profiles (none when there are no profiles)."""
    if profiles <= 0:
        return set()
    return {segment_id for segment_id, count in members.items() if count and count / profiles >= share}


def gaps(rows: list[PageCoverage], large: set[int]) -> None:
    """Mark on each personalised page the large segments it has no variant for."""
    for row in rows:
        row.missing = sorted(large - row.variants.keys()) if row.personalised else []


def collect(*, segment_id: int | None = None, query: str = "") -> tuple[list[PageCoverage], list, dict[int, int], set[int]]:
    """Rows for every live page (narrowed to those with a variant for `segment_id`, and by title),
    the channels, segment sizes (current members) and the ids of large segments."""
    from django.db.models import Count
    from wagtail.fields import StreamField
    from wagtail.models import Page

    from cms.models import Channel
    from personalization.models import Segment
    from personalization.models.profiles import SegmentMembership, VisitorProfile

    channels = list(Channel.objects.all())
    keys = dict(Segment.objects.values_list("key", "pk"))
    members = {
        keys[row["segment"]]: row["members"]
        for row in SegmentMembership.objects.filter(left_at__isnull=True).values("segment").annotate(members=Count("profile", distinct=True)).order_by()
        if row["segment"] in keys
    }
    large = large_segment_ids(members, VisitorProfile.objects.count())
    pages = Page.objects.live().filter(depth__gt=1).order_by("path")
    if query:
        pages = pages.filter(title__icontains=query)
    rows = []
    for page in pages.specific().prefetch_related("channel_overrides", "segment_variants"):
        slots, variants = 0, {}
        for model_field in page._meta.concrete_fields:
            if isinstance(model_field, StreamField):
                more_slots, more = stream_variants(getattr(page, model_field.attname).raw_data)
                slots += more_slots
                for key, slugs in more.items():
                    variants.setdefault(key, set()).update(slugs)
        page_variants = list(getattr(page, "segment_variants", Page.objects.none()).all())
        slugs = {channel.pk: channel.slug for channel in channels}
        for variant in page_variants:
            variants.setdefault(variant.segment_id, set()).add(slugs.get(variant.channel_id, EVERY_CHANNEL))
        if segment_id is not None and segment_id not in variants:
            continue
        overrides = {o.channel_id: o for o in getattr(page, "channel_overrides", Page.objects.none()).all()}
        rows.append(PageCoverage(
            page_id=page.pk, title=page.title, type_name=page.specific_class._meta.verbose_name,
            channels={channel.slug: _cell(overrides.get(channel.pk)) for channel in channels},
            variants=variants, slots=slots, page_variants=len(page_variants),
        ))
    gaps(rows, large)
    return rows, channels, members, large


def _cell(override) -> ChannelCell:
    if override is None:
        return ChannelCell(offered=True)
    changes = [name for name in ("title", "summary") if getattr(override, name)]
    if override.hero_image_id:
        changes.append("hero image")
    return ChannelCell(offered=override.offered, changes=changes)
