"""Compilation: validate segment specs once per change, reject member_of cycles, and
compile each definition (see ``predicates``) in an order where segments used by
``member_of`` are evaluated first."""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .attributes import Category
from .conditions import Node, parse_definition, walk
from .errors import RulesetError, ValidationIssue
from .facts import Compute
from .predicates import categories, compile_segment
from .ruleset import Ruleset

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
    counts = Counter(key for key in keys if isinstance(key, str))
    issues: dict[str, list[ValidationIssue]] = {}
    trees: dict[str, Node] = {}
    for spec in segments:
        found = _check_spec(spec, counts)
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


def _check_spec(spec: SegmentSpec, counts: Counter[str]) -> list[ValidationIssue]:
    found = []
    if not isinstance(spec.key, str) or not spec.key.strip():
        found.append(ValidationIssue("", "a segment needs a non-empty text key"))
    elif counts[spec.key] > 1:
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
        cycle = [*path[path.index(key):], key]
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
        needs[spec.key] = categories(trees[spec.key]).union(
            *(needs[other] for other in references[spec.key])
        )
        if spec.enabled:
            order.append(compile_segment(
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
