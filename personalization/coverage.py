"""Coverage: which live page is offered on which channel, which variants exist for which
segments, and the gaps (a large segment with no variant on a personalised page).

A pure core (no Django): personalization/admin/coverage.py reads pages, channels and segment sizes.
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


def stream_variants(raw_blocks: list[dict] | None) -> tuple[int, dict[int, set[str]]]:
    """(personalised slots, segment id -> channel slugs) of a StreamField's stored JSON.

    A variant with no segment is for anyone and covers no segment in particular.
    """
    slots = 0
    variants: dict[int, set[str]] = {}
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
