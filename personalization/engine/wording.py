"""Definitions and their problems in the marketer's words.

``issue_text`` places a problem by condition number ("Condition 3: …") instead of a path
like ``all[2].value``; ``describe`` reads a definition as a rule ("country is DE and
returning visitor"); ``matches_everyone`` tells a rule that lets every visitor in.
Every function accepts any JSON without raising: they also word stored, broken rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from .attributes import ATTRIBUTES
from .errors import ValidationIssue
from .known_values import conditions
from .operators import OPERATORS

_LABELS = {attribute.name: attribute.label for attribute in ATTRIBUTES}
_GROUP_WORDS = {"all": " and ", "any": " or "}
# Operators read better as short verbs than as the builder's labels in a sentence.
_VERBS = {"equals": "is", "not_equals": "is not", "in": "is one of", "not_in": "is none of"}


def condition_number(definition: object, path: str) -> int:
    """3 for a path inside the third condition (counted as the builder shows them); 0 for the rule as a whole."""
    for number, (where, _node) in enumerate(conditions(definition), start=1):
        if not where or path == where or path.startswith((f"{where}.", f"{where}[")):
            return number
    return 0


def condition_place(definition: object, path: str) -> str:
    """"Condition 3" for a path inside the third condition; "The rule" for the rule as a whole."""
    number = condition_number(definition, path)
    return f"Condition {number}" if number else "The rule"


def issue_text(issue: ValidationIssue, definition: object) -> str:
    """One problem as a marketer reads it: "Condition 3: 'between' needs two numbers, the smaller first"."""
    return f"{condition_place(definition, issue.path)}: {issue.message}"


def issue_texts(issues: Sequence[ValidationIssue], definition: object) -> list[str]:
    """Each problem once (two checks may find the same one), in the order of the conditions."""
    return list(dict.fromkeys(issue_text(issue, definition) for issue in in_condition_order(issues, definition)))


def in_condition_order(issues: Sequence[ValidationIssue], definition: object) -> list[ValidationIssue]:
    """The issues about the rule as a whole first, then condition by condition (stable within one)."""
    return sorted(issues, key=lambda issue: condition_number(definition, issue.path))


def matches_everyone(definition: object) -> bool:
    """True when the rule lets every visitor in: an empty "all of" group, or only such groups."""
    if not isinstance(definition, dict) or len(definition) != 1:
        return False
    kind, value = next(iter(definition.items()))
    if kind == "all":
        return isinstance(value, list) and all(matches_everyone(child) for child in value)
    if kind == "any":
        return isinstance(value, list) and any(matches_everyone(child) for child in value)
    if kind == "not":
        return _matches_nobody(value)
    return False


def _matches_nobody(definition: object) -> bool:
    if not isinstance(definition, dict) or len(definition) != 1:
        return False
    kind, value = next(iter(definition.items()))
    if kind == "any":
        return isinstance(value, list) and all(_matches_nobody(child) for child in value)
    if kind == "all":
        return isinstance(value, list) and any(_matches_nobody(child) for child in value)
    if kind == "not":
        return matches_everyone(value)
    return False


def describe(definition: object) -> str:
    """The rule in words: "country is DE and returning visitor"; "every visitor" when empty."""
    return _describe(definition, top=True)


def _describe(node: object, *, top: bool = False) -> str:
    if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in ("all", "any", "not"):
        kind, value = next(iter(node.items()))
        if kind == "not":
            return f"not ({_describe(value, top=True)})"
        if not isinstance(value, list):
            return "(unreadable group)"
        if not value:
            return "every visitor" if kind == "all" else "no visitor"
        text = _GROUP_WORDS[kind].join(_describe(child) for child in value)
        return text if top or len(value) == 1 else f"({text})"
    if not isinstance(node, dict):
        return "(unreadable condition)"
    return _condition(node)


def _condition(leaf: dict) -> str:
    name = leaf.get("attribute")
    operator = leaf.get("operator")
    value = leaf.get("value")
    attribute = str(name) if not isinstance(name, str) else _label(name)
    if value is True and operator == "equals":
        return attribute
    if value is False and operator == "equals":
        return f"not {attribute}"
    if operator == "member_of":
        return f"member of segment {_value(value)}"
    if operator in ("exists", "not_exists"):
        return f"{attribute} is {'known' if operator == 'exists' else 'unknown'}"
    verb = _VERBS.get(operator) if isinstance(operator, str) else None
    if verb is None:
        known = OPERATORS.get(operator) if isinstance(operator, str) else None
        verb = known.label if known else str(operator)
    if operator in ("between", "time_between", "date_between") and isinstance(value, list) and len(value) == 2:
        return f"{attribute} is between {_value(value[0])} and {_value(value[1])}"
    return f"{attribute} {verb} {_value(value)}"


def _label(name: str) -> str:
    if name in _LABELS:
        return _LABELS[name].lower()
    return name  # trait.tier, query.q: as written in the builder


def _value(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key} {_value(item)}" for key, item in value.items())
    if isinstance(value, str):
        return value
    if value is None:
        return "(nothing)"
    return str(value).lower() if isinstance(value, bool) else str(value)
