"""Variant resolution for personalised slots."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from personalization.engine import (
    SegmentSpec,
    SlotReason,
    VariantSpec,
    VisitorContext,
    compile_ruleset,
    resolve_slot,
)

ALWAYS: dict[str, object] = {"all": []}
NEVER: dict[str, object] = {"any": []}
RULESET = compile_ruleset([
    SegmentSpec("vip", "VIP", 1, ALWAYS),
    SegmentSpec("mobile", "Mobile", 2, ALWAYS),
    SegmentSpec("french", "French", 3, NEVER),
])
DECISION = RULESET.evaluate(
    VisitorContext(channel="web", visitor_id="v1", now=datetime(2025, 6, 11, tzinfo=UTC))
)


def test_first_picks_the_variant_of_the_highest_priority_segment() -> None:
    variants = [
        VariantSpec("for-mobile", segments=("mobile",)),
        VariantSpec("for-vip-or-french", segments=("french", "vip")),
    ]
    result = resolve_slot(variants, DECISION, channel="web")
    assert result.variant == "for-vip-or-french"
    assert result.reason is SlotReason.SEGMENT
    assert result.choices[0].segment == "vip"


def test_all_lists_every_applicable_variant_by_priority_then_order() -> None:
    variants = [
        VariantSpec("anyone"),
        VariantSpec("mobile-2", segments=("mobile",)),
        VariantSpec("mobile-1", segments=("mobile",)),
        VariantSpec("vip", segments=("vip",)),
        VariantSpec("french", segments=("french",)),
    ]
    result = resolve_slot(variants, DECISION, channel="web", mode="all")
    assert result.variants == ("vip", "mobile-2", "mobile-1", "anyone")
    assert [choice.reason for choice in result.choices][-1] is SlotReason.ANYONE


def test_channels_limit_variants_ignoring_case() -> None:
    variants = [
        VariantSpec("kiosk-vip", segments=("vip",), channels=("Kiosk",)),
        VariantSpec("web-mobile", segments=("mobile",), channels=("web", "app")),
    ]
    assert resolve_slot(variants, DECISION, channel="kiosk").variant == "kiosk-vip"
    assert resolve_slot(variants, DECISION, channel="WEB").variant == "web-mobile"


def test_a_variant_without_segments_serves_anyone_on_its_channels() -> None:
    variants = [VariantSpec("kiosk-only", channels=("kiosk",))]
    result = resolve_slot(variants, DECISION, channel="kiosk")
    assert (result.variant, result.reason) == ("kiosk-only", SlotReason.ANYONE)


def test_no_applicable_variant_means_the_default() -> None:
    result = resolve_slot([VariantSpec("french", segments=("french",))], DECISION, channel="web")
    assert (result.variant, result.variants, result.reason) == (None, (), SlotReason.DEFAULT)


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        resolve_slot([], DECISION, channel="web", mode="best")  # type: ignore[arg-type]
