"""Experiment assignment: which arm of an A/B/n test a visitor sees, sticky across processes.

Pure: the same (experiment, visitor) always gets the same answer, on every machine, from
the engine's versioned hash (see bucketing). The holdout and the arm are drawn from
different seeds, so changing the holdout share never reshuffles the arms of visitors
who stay in the experiment, and the global holdout is independent of both.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from .bucketing import HASH_VERSION, assign_weighted, bucket

GLOBAL_HOLDOUT_SEED = "tailor:global-holdout"


class AssignmentReason(StrEnum):
    """Why a visitor does or does not see an arm."""

    ARM = "arm"  # in the experiment: sees the arm's content
    HOLDOUT = "holdout"  # in the experiment's holdout: sees the default content, not counted in an arm
    AUDIENCE = "audience"  # not in the audience: personalised as if there were no experiment
    ANONYMOUS = "anonymous"  # no visitor id (or a simulation): nothing to keep sticky, so no experiment
    INACTIVE = "inactive"  # the experiment is not running (stopped, ended, not started): no arm


@dataclass(frozen=True, slots=True)
class ExperimentSpec:
    """A running experiment as the engine sees it.

    ``arms`` are (key, weight) in the editor's order (keep it stable: it is part of the
    assignment); ``holdout`` is the share in [0, 1) that sees the default content;
    ``audience`` holds segment keys (empty: every visitor). ``version`` is the hash version.
    """

    key: str
    arms: tuple[tuple[str, float], ...]
    control: str
    holdout: float = 0.0
    audience: tuple[str, ...] = ()
    version: int = HASH_VERSION

    def __post_init__(self) -> None:
        if not 0 <= self.holdout < 1:
            raise ValueError("holdout must be in [0, 1)")
        if self.control not in dict(self.arms):
            raise ValueError("the control must be one of the arms")


class Assignment(NamedTuple):
    """The outcome for one visitor: ``arm`` is None unless ``reason`` is ARM."""

    experiment: str
    arm: str | None
    reason: AssignmentReason

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form, for ``meta.personalization.experiments``."""
        return {"arm": self.arm, "reason": self.reason.value}


def assign(spec: ExperimentSpec, visitor_id: str | None, matched: Collection[str]) -> Assignment:
    """The arm ``visitor_id`` sees, given the segments the same decision matched.

    The audience is checked against the decision's matched segments (so an audience
    segment that is not live never matches: fail closed), then the holdout, then the arm.
    """
    if not visitor_id:
        return Assignment(spec.key, None, AssignmentReason.ANONYMOUS)
    if spec.audience and not any(key in matched for key in spec.audience):
        return Assignment(spec.key, None, AssignmentReason.AUDIENCE)
    if spec.holdout and bucket(f"{spec.key}:holdout", visitor_id, spec.version) < spec.holdout:
        return Assignment(spec.key, None, AssignmentReason.HOLDOUT)
    arm = assign_weighted(spec.key, visitor_id, dict(spec.arms), spec.version)
    return Assignment(spec.key, arm, AssignmentReason.ARM)


def in_global_holdout(visitor_id: str | None, share: float, version: int = HASH_VERSION) -> bool:
    """Whether the visitor is in the share that gets default content everywhere (anonymous: never)."""
    return bool(visitor_id) and share > 0 and bucket(GLOBAL_HOLDOUT_SEED, visitor_id, version) < share
