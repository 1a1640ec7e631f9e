"""Deterministic, versioned hash bucketing for sticky percentages and experiment arms.

The same (version, seed, visitor) always lands in the same bucket, on every machine and
in every language: sha256 of ``f"{version}:{seed}:{visitor_id}"`` (UTF-8), first 8 bytes
big-endian, top 53 bits divided by 2**53. Never ``random``, never ``hash()`` (salted per
process). Bump ``version`` only to deliberately reshuffle everyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

HASH_VERSION = 1


def bucket(seed: str, visitor_id: str, version: int = HASH_VERSION) -> float:
    """A stable number in [0, 1) for this visitor and seed."""
    digest = hashlib.sha256(f"{version}:{seed}:{visitor_id}".encode()).digest()
    # 53 bits: a float holds them exactly, so the result can never round up to 1.0
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53


def assign_weighted(
    seed: str, visitor_id: str, weights: Mapping[str, float], version: int = HASH_VERSION
) -> str:
    """Pick an arm for the visitor, with probability proportional to its weight.

    Arms are taken in the mapping's order, so keep that order stable. Raises ValueError
    when no weight is positive or one is negative.
    """
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("weights must not be negative")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    point = bucket(seed, visitor_id, version) * total
    cumulative = 0.0
    for arm, weight in weights.items():
        cumulative += weight
        if point < cumulative:
            return arm
    # float rounding can leave point == total: it belongs to the last weighted arm
    return next(arm for arm, weight in reversed(weights.items()) if weight > 0)
