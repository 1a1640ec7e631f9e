"""Compilation: validate segment specs once per change and turn each definition into
plain closures, ordered so that segments used by ``member_of`` are evaluated first."""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .attributes import GATED, Category, Site, member_key
from .conditions import Group, Leaf, Node, Not, parse_definition, walk
from .decision import ConditionTrace
from .errors import RulesetError, ValidationIssue
from .facts import Compute, Facts
from .operators import Predicate
from .ruleset import CONSENT_COMBINATIONS, CompiledSegment, Ruleset

FORMAT_VERSION = 1  # part of Ruleset.version_digest; bump when compiled meaning changes


@dataclass(frozen=True, slots=True)
class SegmentSpec:
    """A segment as stored: lower ``priority`` numbers win; ties are broken by key."""

    key: str
    name: str
    priority: int
    definition: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    version: int = 1


def compile_ruleset(
    segments: Sequence[SegmentSpec], *, trait_types: Mapping[str, str] | None = None
) -> Ruleset:
    """Validate and compile ``segments``; raise RulesetError listing every problem."""
    traits = dict(trait_types or {})
    keys = [spec.key for spec in segments]
    issues: dict[str, list[ValidationIssue]] = {}
    trees: dict[str, Node] = {}
    for spec in segments:
        found = _check_spec(spec, keys)
        tree, problems = parse_definition(spec.definition, segment_keys=keys, trait_types=traits)
        found += problems
        if found:
            issues.setdefault(str(spec.key), []).extend(found)
        elif tree is not None:
            trees[spec.key] = tree
    references = {key: _references(tree) for key, tree in trees.items()}
    for key, cycle_issues in _cycles(references).items():
        issues.setdefault(key, []).extend(cycle_issues)
    if issues:
        raise RulesetError(issues)
    return _build(segments, trees, references, traits)


def _check_spec(spec: SegmentSpec, keys: list[str]) -> list[ValidationIssue]:
    found = []
    if not isinstance(spec.key, str) or not spec.key.strip():
        found.append(ValidationIssue("", "a segment needs a non-empty text key"))
    elif keys.count(spec.key) > 1:
        found.append(ValidationIssue("", f"the key {spec.key!r} is used by more than one segment"))
    for name, expected in (("priority", int), ("version", int), ("enabled", bool)):
        value = getattr(spec, name)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            found.append(ValidationIssue("", f"the segment's {name} must be {expected.__name__}"))
    return found


def _references(tree: Node) -> dict[str, str]:
    """Segments a definition uses with member_of -> path of the first such condition."""
    found: dict[str, str] = {}
    for leaf in walk(tree):
        if leaf.operator.name == "member_of":
            found.setdefault(leaf.expected, leaf.path)
    return found


def _cycles(references: Mapping[str, Mapping[str, str]]) -> dict[str, list[ValidationIssue]]:
    """An issue for every segment on a member_of cycle."""
    remaining = dict(references)
    # peel off segments whose dependencies are all resolved; what is left is on or behind a cycle
    changed = True
    while changed:
        changed = False
        for key, uses in list(remaining.items()):
            if all(used not in remaining for used in uses):
                del remaining[key]
                changed = True
    issues: dict[str, list[ValidationIssue]] = {}
    for start in remaining:
        path, key = [start], _next_on_cycle(remaining, start)
        while key not in path:  # every remaining segment uses another remaining one
            path.append(key)
            key = _next_on_cycle(remaining, key)
        cycle = path[path.index(key):] + [key]
        message = (
            "segments refer to each other in a cycle: " + " → ".join(cycle)
            if start == key
            else "uses a segment that depends on a cycle: " + " → ".join(cycle)
        )
        issues[start] = [ValidationIssue(references[start][path[1] if len(path) > 1 else key], message)]
    return issues


def _next_on_cycle(remaining: Mapping[str, Mapping[str, str]], key: str) -> str:
    return next(used for used in remaining[key] if used in remaining)


def _build(
    segments: Sequence[SegmentSpec],
    trees: Mapping[str, Node],
    references: Mapping[str, Mapping[str, str]],
    traits: Mapping[str, str],
) -> Ruleset:
    by_priority = sorted(segments, key=lambda spec: (spec.priority, spec.key))
    rank = {spec.key: index for index, spec in enumerate(by_priority)}
    used = {key for uses in references.values() for key in uses}
    sources: dict[str, Compute] = {}
    needs: dict[str, frozenset[Category]] = {}
    order = []
    for spec in _dependencies_first(by_priority, references, rank):
        # consent a segment needs: for its own conditions and for the segments it uses
        needs[spec.key] = _categories(trees[spec.key]).union(
            *(needs[other] for other in references[spec.key])
        )
        if spec.enabled:
            order.append(_compile_segment(
                spec.key, trees[spec.key], rank[spec.key], spec.key in used, needs[spec.key], sources
            ))
    return Ruleset(
        order,
        sources=sources,
        keys=tuple(spec.key for spec in by_priority),
        disabled=frozenset(spec.key for spec in segments if not spec.enabled),
        version_digest=_version_digest(by_priority, traits),
    )


def _dependencies_first(
    by_priority: list[SegmentSpec], references: Mapping[str, Mapping[str, str]], rank: Mapping[str, int]
) -> list[SegmentSpec]:
    """Topological order; among segments that are ready, the highest priority first."""
    waiting = {spec.key: len(references[spec.key]) for spec in by_priority}
    users: dict[str, list[str]] = {}
    for key, uses in references.items():
        for used in uses:
            users.setdefault(used, []).append(key)
    ready = [rank[key] for key, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        spec = by_priority[heapq.heappop(ready)]
        order.append(spec)
        for user in users.get(spec.key, ()):
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, rank[user])
    return order


Compiled = Predicate | bool  # a predicate, or a constant once refused conditions are folded


class _SegmentCompiler:
    """Compiles one segment's tree into predicates, registering the Facts sources used.

    Inside all/any, children are evaluated cheapest first (see ``_cost``): the result
    does not depend on the order, and traces record the order actually used.
    """

    def __init__(self, key: str, sources: dict[str, Compute]) -> None:
        self.key = key
        self.sources = sources

    def compile(self, node: Node, leaf: Callable[[Leaf], Compiled]) -> Compiled:
        """``node`` as a predicate (or a constant), with ``leaf`` compiling the leaves."""
        if isinstance(node, Leaf):
            return leaf(node)
        if isinstance(node, Not):
            child = self.compile(node.child, leaf)
            return (not child) if isinstance(child, bool) else _not(child)
        children = [self.compile(child, leaf) for child in sorted(node.children, key=_cost)]
        return _all(children) if node.kind == "all" else _any(children)

    def conjuncts(self, tree: Node, leaf: Callable[[Leaf], Compiled]) -> tuple[Predicate, ...] | None:
        """The tree as predicates that must all hold, cheapest first; None if it cannot
        hold. Rulesets loop over these directly, saving a call per segment."""
        parts = tree.children if isinstance(tree, Group) and tree.kind == "all" else (tree,)
        compiled = [self.compile(part, leaf) for part in sorted(parts, key=_cost)]
        if any(part is False for part in compiled):
            return None
        return tuple(part for part in compiled if part is not True)  # type: ignore[misc]

    def test(self, leaf: Leaf) -> tuple[str, Predicate]:
        """The Facts key and the predicate of a leaf."""
        attribute = leaf.attribute
        key, compute = attribute.attribute.source(
            Site(attribute.param, attribute.type, leaf.timezone, self.key, leaf.expected)
        )
        self.sources[key] = compute
        return key, leaf.operator.build(key, leaf.expected, attribute.type)

    def fast(self, consented: frozenset[Category], planned: Leaf | None) -> Callable[[Leaf], Compiled]:
        """Leaves for a visitor who consented to ``consented``: the others are refused,
        i.e. false. ``planned`` is the channel condition the ruleset's plans enforce."""

        def compile_leaf(leaf: Leaf) -> Compiled:
            if leaf is planned:
                return True
            if leaf.attribute.attribute.category in (*consented, Category.REQUEST):
                return self.test(leaf)[1]
            return False

        return compile_leaf

    def explain(self, leaf: Leaf) -> Predicate:
        """A leaf that checks consent as it goes and records what it saw."""
        key, test = self.test(leaf)
        category = leaf.attribute.attribute.category
        observe = leaf.operator.observe

        def traced(facts: Facts) -> bool:
            blocked = category is not Category.REQUEST and category not in facts.context.consent
            result = not blocked and test(facts)
            actual = None if blocked else facts[key]  # never read data without consent
            if observe is not None and actual is not None:
                actual = observe(actual, leaf.expected, facts)
            facts.trace.append(ConditionTrace(  # type: ignore[union-attr]
                leaf.path, leaf.attribute.name, leaf.operator.name, leaf.raw, actual, result, blocked
            ))
            return result

        return traced


def _categories(tree: Node) -> frozenset[Category]:
    """The consent categories a tree's own conditions need."""
    return frozenset(leaf.attribute.attribute.category for leaf in walk(tree)).intersection(GATED)


def _compile_segment(
    key: str,
    tree: Node,
    rank: int,
    referenced: bool,
    needs: frozenset[Category],
    sources: dict[str, Compute],
) -> CompiledSegment:
    compiler = _SegmentCompiler(key, sources)
    planned = _channel_condition(tree)
    used = _categories(tree)
    # one fast test per combination of consents that matters to this segment
    by_consent: dict[frozenset[Category], tuple[Predicate, ...] | None] = {}
    for consented in CONSENT_COMBINATIONS:
        relevant = used.intersection(consented)
        if relevant not in by_consent:
            by_consent[relevant] = compiler.conjuncts(tree, compiler.fast(relevant, planned))
    return CompiledSegment(
        key=key,
        rank=rank,
        tests=tuple(by_consent[used.intersection(consented)] for consented in CONSENT_COMBINATIONS),
        explain=_predicate(compiler.compile(tree, compiler.explain)),
        channels=_channels(planned) if planned else None,
        member=member_key(key) if referenced else None,
        needs=needs,
    )


# Relative cost of reading an attribute (default 1: a field of the context). Values are
# computed once per evaluation and shared by all segments, except the sticky percentage
# (a hash per segment) and event counting (a scan per condition).
_COSTS = {
    "channel": 0,
    "local_time": 2,  # a time zone conversion
    "day_of_week": 2,
    "local_date": 2,
    "referrer_host": 2,  # URL parsing
    "pages_visited": 2,  # a set built from the profile
    "content_types_visited": 2,
    "events": 3,
    "percentage": 4,
}


def _cost(node: Node) -> int:
    """Evaluation order inside all/any: cheapest first, so that the costly values are
    only computed when the cheap conditions leave the outcome open."""
    if isinstance(node, Group):
        return max(map(_cost, node.children), default=1)
    if isinstance(node, Not):
        return _cost(node.child)
    return _COSTS.get(node.attribute.attribute.name, 1)


def _channel_condition(tree: Node) -> Leaf | None:
    """The condition limiting a segment to some channels, if it is evaluated first.

    Rulesets keep one plan of segments per channel, so such a segment is skipped on
    other channels and its channel condition need not be evaluated at all.
    """
    first = tree
    if isinstance(tree, Group) and tree.kind == "all" and tree.children:
        first = min(tree.children, key=_cost)
    if isinstance(first, Leaf) and first.attribute.name == "channel" and first.operator.name in ("equals", "in"):
        return first
    return None


def _channels(leaf: Leaf) -> frozenset[str]:
    """The (case-folded) channels a channel condition allows."""
    return leaf.expected if leaf.operator.name == "in" else frozenset([leaf.expected])


def _predicate(compiled: Compiled) -> Predicate:
    """A constant (an empty group) as a predicate; predicates pass through."""
    if isinstance(compiled, bool):
        return lambda _facts: compiled
    return compiled


def _not(child: Predicate) -> Predicate:
    return lambda facts: not child(facts)


def _all(compiled: list[Compiled]) -> Compiled:
    if any(child is False for child in compiled):
        return False
    children = [child for child in compiled if child is not True]
    if len(children) <= 1:
        return children[0] if children else True
    if len(children) == 2:  # unrolled: most groups are small, and a loop costs more
        first, second = children
        return lambda facts: first(facts) and second(facts)

    def all_(facts: Facts) -> bool:
        for child in children:
            if not child(facts):
                return False
        return True

    return all_


def _any(compiled: list[Compiled]) -> Compiled:
    if any(child is True for child in compiled):
        return True
    children = [child for child in compiled if child is not False]
    if len(children) <= 1:
        return children[0] if children else False
    if len(children) == 2:
        first, second = children
        return lambda facts: first(facts) or second(facts)

    def any_(facts: Facts) -> bool:
        for child in children:
            if child(facts):
                return True
        return False

    return any_


def _version_digest(by_priority: list[SegmentSpec], traits: Mapping[str, str]) -> str:
    """Identifies the compiled ruleset: changes whenever any input that matters changes."""
    payload = {
        "format": FORMAT_VERSION,
        "traits": traits,
        "segments": [
            [spec.key, spec.priority, spec.enabled, spec.version, spec.definition]
            for spec in by_priority
        ],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
