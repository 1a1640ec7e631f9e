"""Conditions as data: parsing a segment definition into a typed tree, with every
problem reported as a ValidationIssue (path + message + code) instead of an exception.

A definition is a tree of ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}`` and
leaves ``{"attribute": "device", "operator": "equals", "value": "mobile"}`` (plus an
optional ``"timezone"`` for local time attributes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .attributes import Resolved, did_you_mean, resolve
from .errors import IssueCode, Problem, ValidationIssue
from .operators import OPERATORS, Operator
from .values import ValueType
from .zones import zone_info, zone_names

MAX_DEPTH = 10  # levels of all/any/not nesting
MAX_NODES = 200  # conditions and groups in one definition

GROUPS = ("all", "any", "not")
LEAF_KEYS = ("attribute", "operator", "value", "timezone")


@dataclass(frozen=True, slots=True)
class Leaf:
    """A parsed condition: ``expected`` is the compiled constant, ``raw`` the value as written."""

    path: str
    attribute: Resolved
    operator: Operator
    expected: Any
    raw: object
    timezone: str  # "" = the visitor's own zone


@dataclass(frozen=True, slots=True)
class Group:
    """``all`` (every child matches; true when empty) or ``any`` (false when empty)."""

    path: str
    kind: str
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Negation of one condition."""

    path: str
    child: Node


Node = Leaf | Group | Not


def validate_definition(
    definition: object, *, segment_keys: Collection[str], trait_types: Mapping[str, str]
) -> list[ValidationIssue]:
    """Every problem in ``definition``; empty when it is valid. Never raises."""
    return parse_definition(definition, segment_keys=segment_keys, trait_types=trait_types)[1]


def parse_definition(
    definition: object, *, segment_keys: Collection[str], trait_types: Mapping[str, str]
) -> tuple[Node | None, list[ValidationIssue]]:
    """The typed tree of ``definition`` (None if invalid) and its problems."""
    parser = _Parser(segment_keys, trait_types)
    node = parser.node(definition, "", 1)
    return (node if not parser.issues else None), parser.issues


def walk(node: Node) -> list[Leaf]:
    """The leaves of a tree, in definition order."""
    if isinstance(node, Leaf):
        return [node]
    children = node.children if isinstance(node, Group) else (node.child,)
    return [leaf for child in children for leaf in walk(child)]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Parser:
    def __init__(self, segment_keys: Collection[str], trait_types: Mapping[str, str]) -> None:
        self.segment_keys = segment_keys
        self.trait_types = trait_types
        self.issues: list[ValidationIssue] = []
        self.nodes = 0

    def fail(self, path: str, message: str, code: IssueCode) -> None:
        self.issues.append(ValidationIssue(path, message, code))

    def node(self, data: object, path: str, depth: int) -> Node | None:
        self.nodes += 1
        if self.nodes == MAX_NODES + 1:
            self.fail(path, f"a definition may hold at most {MAX_NODES} conditions",
                      IssueCode.TOO_MANY_CONDITIONS)
        if self.nodes > MAX_NODES:
            return None
        if depth > MAX_DEPTH:
            self.fail(path, f"conditions may be nested at most {MAX_DEPTH} levels deep", IssueCode.TOO_DEEP)
            return None
        if not isinstance(data, dict):
            self.fail(path, "a condition must be an object with 'all', 'any', 'not' or 'attribute'",
                      IssueCode.NOT_A_CONDITION)
            return None
        kinds = [kind for kind in GROUPS if kind in data]
        if not kinds:
            return self.leaf(data, path)
        kind = kinds[0]
        if len(data) > 1:
            extra = next(str(key) for key in data if key != kind)
            self.fail(_join(path, extra), f"unexpected {extra!r} beside {kind!r}: "
                                          "a group holds only one of 'all', 'any' or 'not'",
                      IssueCode.GROUP_EXTRA_KEY)
            return None
        if kind == "not":
            child = self.node(data["not"], _join(path, "not"), depth + 1)
            return Not(path, child) if child else None
        return self.group(kind, data[kind], path, depth)

    def group(self, kind: str, items: object, path: str, depth: int) -> Group | None:
        if not isinstance(items, list):
            self.fail(_join(path, kind), f"'{kind}' needs a list of conditions", IssueCode.GROUP_NOT_A_LIST)
            return None
        children = [self.node(item, f"{_join(path, kind)}[{index}]", depth + 1)
                    for index, item in enumerate(items)]
        if any(child is None for child in children):
            return None
        return Group(path, kind, tuple(children))  # type: ignore[arg-type]

    def leaf(self, data: dict[Any, Any], path: str) -> Leaf | None:
        unknown = [key for key in data if key not in LEAF_KEYS]
        for key in unknown:
            text = key if isinstance(key, str) else str(key)
            self.fail(_join(path, text), f"unknown key {text!r}{did_you_mean(text, [*LEAF_KEYS, *GROUPS])}",
                      IssueCode.UNKNOWN_KEY)
        try:
            attribute = resolve(data.get("attribute"), self.trait_types)
        except Problem as problem:
            self.fail(_join(path, "attribute"), problem.message, problem.code)
            return None
        operator = self.operator(data.get("operator"), attribute, path)
        zone = self.timezone(data.get("timezone"), attribute, path)
        if operator is None or zone is None or unknown:
            return None
        return self.value(data.get("value"), attribute, operator, zone, path)

    def operator(self, name: object, attribute: Resolved, path: str) -> Operator | None:
        where = _join(path, "operator")
        if not isinstance(name, str) or not name:
            self.fail(where, "needs an operator", IssueCode.OPERATOR_MISSING)
        elif name not in OPERATORS:
            self.fail(where, f"unknown operator {name!r}{did_you_mean(name, list(attribute.operators))}",
                      IssueCode.UNKNOWN_OPERATOR)
        elif name not in attribute.operators:
            self.fail(where, f"{name!r} cannot be used with {attribute.name!r} "
                             f"({attribute.type.value}); use one of: {', '.join(attribute.operators)}",
                      IssueCode.OPERATOR_NOT_ALLOWED)
        else:
            return OPERATORS[name]
        return None

    def timezone(self, zone: object, attribute: Resolved, path: str) -> str | None:
        where = _join(path, "timezone")
        if zone is None:
            return ""
        if not attribute.attribute.zoned:
            self.fail(where, f"{attribute.name!r} does not take a timezone", IssueCode.TIMEZONE_NOT_ALLOWED)
        elif not isinstance(zone, str):
            self.fail(where, "needs a time zone name like 'Europe/London'", IssueCode.UNKNOWN_TIMEZONE)
        elif zone_info(zone) is None:
            self.fail(where, f"unknown time zone {zone!r}{did_you_mean(zone, sorted(zone_names()))}",
                      IssueCode.UNKNOWN_TIMEZONE)
        else:
            return zone
        return None

    def value(
        self, raw: object, attribute: Resolved, operator: Operator, zone: str, path: str
    ) -> Leaf | None:
        try:
            expected = operator.parse(raw, attribute)
        except Problem as problem:
            where = _join(path, "value") + problem.subpath
            self.fail(where, f"{operator.name!r} {problem.message}", problem.code)
            return None
        if attribute.type is ValueType.SEGMENT and expected not in self.segment_keys:
            hint = did_you_mean(expected, list(self.segment_keys))
            self.fail(_join(path, "value"), f"unknown segment {expected!r}{hint}", IssueCode.UNKNOWN_SEGMENT)
            return None
        return Leaf(path, attribute, operator, expected, raw, zone)
