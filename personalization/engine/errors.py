"""Errors and validation issues reported to whoever edits the rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class IssueCode(StrEnum):
    """What kind of problem a ValidationIssue is: stable codes that other evaluators and
    tests compare, while ``message`` is free to be reworded for people."""

    KEY_MISSING = "key_missing"
    KEY_DUPLICATE = "key_duplicate"
    FIELD_TYPE = "field_type"
    NOT_A_CONDITION = "not_a_condition"
    TOO_MANY_CONDITIONS = "too_many_conditions"
    TOO_DEEP = "too_deep"
    GROUP_NOT_A_LIST = "group_not_a_list"
    GROUP_EXTRA_KEY = "group_extra_key"
    UNKNOWN_KEY = "unknown_key"
    ATTRIBUTE_MISSING = "attribute_missing"
    UNKNOWN_ATTRIBUTE = "unknown_attribute"
    UNKNOWN_TRAIT = "unknown_trait"
    UNSUPPORTED_TRAIT_TYPE = "unsupported_trait_type"
    OPERATOR_MISSING = "operator_missing"
    UNKNOWN_OPERATOR = "unknown_operator"
    OPERATOR_NOT_ALLOWED = "operator_not_allowed"
    TIMEZONE_NOT_ALLOWED = "timezone_not_allowed"
    UNKNOWN_TIMEZONE = "unknown_timezone"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_SEGMENT = "unknown_segment"
    MEMBER_OF_CYCLE = "member_of_cycle"
    DEPENDS_ON_CYCLE = "depends_on_cycle"
    # Values that cannot occur, found by ``known_values`` for the editor (not by compilation,
    # so a channel or trait choice removed later never drops a live segment from delivery).
    NOT_A_TRAIT_CHOICE = "not_a_trait_choice"
    UNKNOWN_COUNTRY = "unknown_country"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_DEVICE = "unknown_device"
    USES_LEFT_OUT = "uses_left_out"  # a segment uses one that partial compilation left out


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem in a segment definition.

    ``path`` points into the definition (``"all[2].value"``; ``""`` is the root) so the
    admin can highlight the offending field; ``message`` is written for marketers;
    ``code`` says what kind of problem it is, for programs.
    """

    path: str
    message: str
    code: IssueCode

    def as_dict(self) -> dict[str, str]:
        """JSON-friendly form."""
        return {"path": self.path, "code": self.code.value, "message": self.message}


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
    ("'between' needs two numbers, the smaller first"); ``subpath`` is appended to the
    value's path (``"[3]"`` for the fourth list item).
    """

    def __init__(self, message: str, subpath: str = "", code: IssueCode = IssueCode.INVALID_VALUE) -> None:
        super().__init__(message)
        self.message = message
        self.subpath = subpath
        self.code = code
