"""What one served personalised body counts, and buffered counts spread into ServedImpression rows.

Pure: no Django, no clock. A body counts once under segment "" (every body) and once
under each segment it was personalised for; under each, once for the body as a whole
(slot "", variant "" — or `page:<id>` when a page variant was served instead of the
requested page) and once per slot × variant it chose (variant "" when a slot served
its default content).
"""

from collections.abc import Iterable, Mapping
from typing import NamedTuple

# (segment, slot, variant)
ServedKey = tuple[str, str, str]


class Tally:
    """The keys one served body counts under. Hashed by identity: one object stands for one body."""

    __slots__ = ("keys",)

    def __init__(self, keys: tuple[ServedKey, ...]) -> None:
        self.keys = keys


# A per-process counter: bodies served in an hour (epoch hours) on a channel for a page (0: none)
# with one tally. A plain tuple: it is made on every request, and a NamedTuple costs four times as much.
BufferKey = tuple[int, int, int, Tally]


class ServedRow(NamedTuple):
    """One ServedImpression row's identity (the bucket in epoch hours)."""

    hour: int
    channel_id: int
    page_id: int
    segment: str
    slot: str
    variant: str


def served_keys(segments: Iterable[str], blocks: Mapping[str, Mapping], page_variant: Mapping | None = None) -> tuple[ServedKey, ...]:
    """The keys a body personalised for `segments` counts under, given the variants its `blocks` chose.

    `blocks` is `meta.personalization.blocks` (slot -> {"variants": [...], ...});
    `page_variant` is `meta.personalization.page_variant` ({"requested", "served"}) if any.
    """
    body_variant = f"page:{page_variant['served']}" if page_variant else ""
    placements = [("", body_variant)] + [
        (slot, variant)
        for slot, chosen in sorted(blocks.items())
        for variant in (chosen.get("variants") or [""])
    ]
    return tuple((segment, slot, variant) for segment in ("", *segments) for slot, variant in placements)


def served_rows(counts: Mapping[BufferKey, int]) -> dict[ServedRow, int]:
    """Buffered body counts spread over the rows they add to (several bodies may share a row)."""
    rows: dict[ServedRow, int] = {}
    for (hour, channel_id, page_id, tally), count in counts.items():
        for segment, slot, variant in tally.keys:
            row = ServedRow(hour, channel_id, page_id, segment, slot, variant)
            rows[row] = rows.get(row, 0) + count
    return rows
