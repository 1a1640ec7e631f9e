"""One segment's definition as predicates over Facts: a fast form per combination of
consents, and a tracing form for explanations."""

from __future__ import annotations

from collections.abc import Callable

from .attributes import GATED, Category
from .conditions import Group, Leaf, Node, Not, walk
from .decision import ConditionTrace
from .facts import Compute, Facts
from .operators import Predicate, accepted_values
from .ruleset import CONSENT_COMBINATIONS, CompiledSegment, Conjuncts
from .sources import Site, member_key

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

    def conjuncts(self, tree: Node, leaf: Callable[[Leaf], Compiled]) -> Conjuncts | None:
        """The tree as conditions that must all hold, cheapest first; None if it cannot
        hold. Rulesets loop over these directly, saving a call per segment, and run the
        first inline when it is a plain membership test (most segments stop there)."""
        parts = tree.children if isinstance(tree, Group) and tree.kind == "all" else (tree,)
        compiled = [(part, self.compile(part, leaf)) for part in sorted(parts, key=_cost)]
        if any(test is False for _, test in compiled):
            return None
        kept = [(part, test) for part, test in compiled if not isinstance(test, bool)]
        if kept and isinstance(kept[0][0], Leaf):
            first = kept[0][0]
            accepted = accepted_values(first.operator, first.expected, first.attribute.type)
            if accepted is not None:
                return Conjuncts(self.test(first)[0], accepted, tuple(test for _, test in kept[1:]))
        return Conjuncts(None, None, tuple(test for _, test in kept))

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


def categories(tree: Node) -> frozenset[Category]:
    """The consent categories a tree's own conditions need."""
    return frozenset(leaf.attribute.attribute.category for leaf in walk(tree)).intersection(GATED)


def compile_segment(
    key: str,
    tree: Node,
    rank: int,
    referenced: bool,
    needs: frozenset[Category],
    sources: dict[str, Compute],
) -> CompiledSegment:
    compiler = _SegmentCompiler(key, sources)
    planned = _channel_condition(tree)
    used = categories(tree)
    # one fast test per combination of consents that matters to this segment
    by_consent: dict[frozenset[Category], Conjuncts | None] = {}
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


# Relative cost of reading an attribute (default 2: a field of the context). Values are
# computed once per evaluation and shared by all segments, except the sticky percentage
# (a hash per segment) and event counting (a scan per condition).
_COSTS = {
    "channel": 0,
    "local_time": 3,  # a time zone conversion
    "day_of_week": 3,
    "local_date": 3,
    "referrer_host": 3,  # URL parsing
    "pages_visited": 3,  # a set built from the profile
    "content_types_visited": 3,
    "events": 4,
    "percentage": 5,
}


def _cost(node: Node) -> int:
    """Evaluation order inside all/any: cheapest first, so that the costly values are
    only computed when the cheap conditions leave the outcome open. Among fields of the
    context, plain membership tests go first: a ruleset runs a first one inline."""
    if isinstance(node, Group):
        return max(map(_cost, node.children), default=2)
    if isinstance(node, Not):
        return _cost(node.child)
    cost = _COSTS.get(node.attribute.attribute.name, 2)
    if cost == 2 and accepted_values(node.operator, node.expected, node.attribute.type) is not None:
        return 1
    return cost


def _channel_condition(tree: Node) -> Leaf | None:
    """The condition limiting a segment to some channels, if it is evaluated first.

    Rulesets keep one plan of segments per channel, so such a segment is skipped on
    other channels and its channel condition need not be evaluated at all.
    """
    first = tree
    if isinstance(tree, Group) and tree.kind == "all" and tree.children:
        first = min(tree.children, key=_cost)
    if not isinstance(first, Leaf) or first.attribute.name != "channel":
        return None
    return first if first.operator.name in ("equals", "in") else None


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
