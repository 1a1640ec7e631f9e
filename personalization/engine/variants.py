"""Variant resolution: which variant(s) of a personalised slot a decision selects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from .decision import Decision


class SlotReason(StrEnum):
    """Why a variant was chosen."""

    SEGMENT = "segment"  # the visitor is in one of its segments
    ANYONE = "anyone"  # it has no segments: any visitor on its channels gets it
    DEFAULT = "default"  # no variant applies: show the default content
    EXPERIMENT = "experiment"  # the visitor's experiment arm chose it


@dataclass(frozen=True, slots=True)
class VariantSpec:
    """A variant: shown to members of any of ``segments`` (empty = anyone) on any of
    ``channels`` (empty = every channel)."""

    id: str
    segments: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlotChoice:
    """One chosen variant and the segment that chose it (None for ANYONE)."""

    variant: str
    reason: SlotReason
    segment: str | None = None


@dataclass(frozen=True, slots=True)
class SlotResult:
    """The chosen variants, best first; empty means the default content."""

    choices: tuple[SlotChoice, ...]

    @property
    def variant(self) -> str | None:
        """The best variant, or None for the default."""
        return self.choices[0].variant if self.choices else None

    @property
    def variants(self) -> tuple[str, ...]:
        """Every chosen variant, best first."""
        return tuple(choice.variant for choice in self.choices)

    @property
    def reason(self) -> SlotReason:
        """Why the best variant was chosen (DEFAULT when none was)."""
        return self.choices[0].reason if self.choices else SlotReason.DEFAULT


def resolve_slot(
    variants: Sequence[VariantSpec],
    decision: Decision,
    *,
    channel: str,
    mode: Literal["first", "all"] = "first",
) -> SlotResult:
    """Choose variants for a slot.

    A variant applies when the channel is one of its channels (or it has none) and the
    visitor matched one of its segments (or it has none). Applicable variants are ranked
    by the priority of their best matched segment, then by their order in ``variants``;
    variants without segments come after every segment-specific one, being less specific.
    ``mode="first"`` keeps the best one, ``"all"`` keeps them all.
    """
    if mode not in ("first", "all"):
        raise ValueError(f"unknown mode {mode!r}")
    rank = {key: index for index, key in enumerate(decision.matched)}
    wanted = channel.casefold()
    ranked: list[tuple[int, int, SlotChoice]] = []
    for position, variant in enumerate(variants):
        if variant.channels and wanted not in (name.casefold() for name in variant.channels):
            continue
        if not variant.segments:
            ranked.append((len(rank), position, SlotChoice(variant.id, SlotReason.ANYONE)))
            continue
        best = min((rank[key] for key in variant.segments if key in rank), default=None)
        if best is not None:
            choice = SlotChoice(variant.id, SlotReason.SEGMENT, decision.matched[best])
            ranked.append((best, position, choice))
    ranked.sort(key=lambda entry: entry[:2])
    choices = tuple(choice for _, _, choice in ranked)
    return SlotResult(choices[:1] if mode == "first" else choices)
