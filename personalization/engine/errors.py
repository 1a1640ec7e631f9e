"""Errors and validation issues reported to whoever edits the rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem in a segment definition.

    ``path`` points into the definition (``"all[2].value"``; ``""`` is the root) so the
    admin can highlight the offending field; ``message`` is written for marketers.
    """

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """JSON-friendly form."""
        return {"path": self.path, "message": self.message}


class RulesetError(ValueError):
    """A ruleset could not be compiled; ``issues`` maps segment keys to their problems."""

    def __init__(self, issues: Mapping[str, Sequence[ValidationIssue]]) -> None:
        self.issues: dict[str, tuple[ValidationIssue, ...]] = {
            key: tuple(found) for key, found in issues.items() if found
        }
        summary = "; ".join(
            f"{key}: {issue.path or '(root)'}: {issue.message}"
            for key, found in self.issues.items()
            for issue in found
        )
        super().__init__(f"invalid ruleset — {summary}")


class Problem(Exception):
    """Raised while parsing part of a condition; turned into a ValidationIssue.

    For values, ``message`` completes a sentence that starts with the operator name
    ("'between' needs a list of two numbers"); ``subpath`` is appended to the
    value's path (``"[3]"`` for the fourth list item).
    """

    def __init__(self, message: str, subpath: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.subpath = subpath
