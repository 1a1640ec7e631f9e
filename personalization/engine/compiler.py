"""Compilation: validate segment specs once per change, reject member_of cycles, and
compile each definition (see ``predicates``) in an order where segments used by
``member_of`` are evaluated first.

``compile_ruleset`` is all or nothing (an editor's check: every problem is reported);
``compile_partial`` is for delivery: it compiles every segment that can be compiled and
leaves out, with the reason, those that cannot and the segments that use them, so one
broken segment never switches the others off.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .attributes import Category
from .conditions import Node, parse_definition, walk
from .errors import IssueCode, RulesetError, ValidationIssue
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


class LeftOutReason(StrEnum):
    """Why ``compile_partial`` left a segment out."""

    INVALID = "invalid"  # its own spec or definition has issues (see LeftOut.issues)
    DEPENDS_ON_LEFT_OUT = "depends_on_left_out"  # it uses (member_of) a segment left out


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A segment that takes no part in decisions, and why: it never matches anyone."""

    key: str
    reason: LeftOutReason
    message: str
    issues: tuple[ValidationIssue, ...] = ()
    depends_on: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "key": self.key,
            "reason": self.reason.value,
            "message": self.message,
            "issues": [issue.as_dict() for issue in self.issues],
            "depends_on": self.depends_on,
        }


@dataclass(frozen=True, slots=True)
class PartialRuleset:
    """What ``compile_partial`` returns: the compiled segments and those left out."""

    ruleset: Ruleset
    left_out: tuple[LeftOut, ...]


@dataclass(frozen=True, slots=True)
class _Analysis:
    issues: dict[str, list[ValidationIssue]]
    trees: dict[str, Node]
    references: dict[str, dict[str, str]]


def compile_ruleset(
    segments: Sequence[SegmentSpec], *, trait_types: Mapping[str, str] | None = None
) -> Ruleset:
    """Validate and compile ``segments``; raise RulesetError listing every problem."""
    traits = dict(trait_types or {})
    analysis = _analyse(segments, traits)
    if analysis.issues:
        raise RulesetError(analysis.issues)
    return _build(segments, analysis.trees, analysis.references, traits)


def compile_partial(
    segments: Sequence[SegmentSpec], *, trait_types: Mapping[str, str] | None = None
) -> PartialRuleset:
    """Compile every segment that can be compiled; never raises RulesetError.

    A segment with issues (including one on or behind a member_of cycle, or using a
    segment that is not among ``segments``) is left out, and so, transitively, is every
    segment that uses a left-out one: ``member_of`` a segment that cannot be evaluated
    must not be read as "not a member" (``not member_of`` would then match everyone).
    """
    traits = dict(trait_types or {})
    analysis = _analyse(segments, traits)
    left_out = {
        key: LeftOut(key, LeftOutReason.INVALID, _issues_text(found), tuple(found))
        for key, found in analysis.issues.items()
    }
    changed = True
    while changed:  # dependants of dependants, until nothing changes
        changed = False
        for key, uses in analysis.references.items():
            used = next((other for other in uses if other in left_out), None)
            if key not in left_out and used is not None:
                where = uses[used] or "the root"
                message = f"uses segment {used!r} (member_of at {where}), which is left out"
                left_out[key] = LeftOut(key, LeftOutReason.DEPENDS_ON_LEFT_OUT, message, depends_on=used)
                changed = True
    kept = [spec for spec in segments if str(spec.key) not in left_out]
    ruleset = _build(kept, analysis.trees, analysis.references, traits)
    order = list(dict.fromkeys(str(spec.key) for spec in segments))
    return PartialRuleset(ruleset, tuple(left_out[key] for key in order if key in left_out))


def _analyse(segments: Sequence[SegmentSpec], traits: Mapping[str, str]) -> _Analysis:
    """Every segment's own problems (cycles included) and the trees of the valid ones."""
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
    return _Analysis(issues, trees, references)


def _issues_text(issues: Sequence[ValidationIssue]) -> str:
    return "; ".join(f"{issue.path}: {issue.message}" if issue.path else issue.message for issue in issues)


def _check_spec(spec: SegmentSpec, counts: Counter[str]) -> list[ValidationIssue]:
    found = []
    if not isinstance(spec.key, str) or not spec.key.strip():
        found.append(ValidationIssue("", "a segment needs a non-empty text key", IssueCode.KEY_MISSING))
    elif counts[spec.key] > 1:
        found.append(ValidationIssue(
            "", f"the key {spec.key!r} is used by more than one segment", IssueCode.KEY_DUPLICATE
        ))
    for name, expected in (("priority", int), ("version", int), ("enabled", bool)):
        value = getattr(spec, name)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            found.append(ValidationIssue(
                "", f"the segment's {name} must be {expected.__name__}", IssueCode.FIELD_TYPE
            ))
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
        if start == key:
            message, code = "segments refer to each other in a cycle: ", IssueCode.MEMBER_OF_CYCLE
        else:
            message, code = "uses a segment that depends on a cycle: ", IssueCode.DEPENDS_ON_CYCLE
        where = references[start][path[1] if len(path) > 1 else key]
        issues[start] = [ValidationIssue(where, message + " → ".join(cycle), code)]
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
