"""Property tests: the compiled evaluator agrees with the plain meaning of the rules,
is deterministic, splits visitors as asked, and never fails on bad input."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from personalization.engine import (
    Event,
    Reason,
    RulesetError,
    SegmentSpec,
    ValidationIssue,
    VisitorContext,
    compile_partial,
    compile_ruleset,
    validate_definition,
)

TRAITS = {"ltv": "number", "tier": "choice"}
BASE = SegmentSpec("base", "Base", 0, {"attribute": "country", "operator": "in", "value": ["GB", "FR"]})
LEAVES: list[dict[str, Any]] = [
    {"attribute": "channel", "operator": "equals", "value": "web"},
    {"attribute": "channel", "operator": "in", "value": ["app", "kiosk"]},
    {"attribute": "device", "operator": "equals", "value": "mobile"},
    {"attribute": "device", "operator": "not_in", "value": ["tablet"]},
    {"attribute": "country", "operator": "not_exists"},
    {"attribute": "language", "operator": "equals", "value": "en"},
    {"attribute": "referrer_host", "operator": "ends_with", "value": "google.com"},
    {"attribute": "utm_source", "operator": "exists"},
    {"attribute": "visit_count", "operator": "gte", "value": 3},
    {"attribute": "returning", "operator": "equals", "value": True},
    {"attribute": "pages_visited", "operator": "starts_with", "value": "/blog/"},
    {"attribute": "events", "operator": "done_within_days", "value": {"event": "conversion", "days": 7}},
    {"attribute": "trait.ltv", "operator": "between", "value": [100, 900]},
    {"attribute": "trait.tier", "operator": "in", "value": ["gold", "silver"]},
    {"attribute": "local_time", "operator": "time_between", "value": ["22:00", "06:00"],
     "timezone": "Europe/London"},
    {"attribute": "day_of_week", "operator": "day_of_week_in", "value": ["sat", "sun"]},
    {"attribute": "percentage", "operator": "percentage_below", "value": 50},
    {"attribute": "consent", "operator": "contains", "value": "crm"},
    {"attribute": "segment", "operator": "member_of", "value": "base"},
]
NOW = datetime(2025, 3, 29, 20, tzinfo=UTC)

definitions = st.recursive(
    st.sampled_from(LEAVES),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda items: {"all": items}),
        st.lists(children, max_size=4).map(lambda items: {"any": items}),
        children.map(lambda item: {"not": item}),
    ),
    max_leaves=10,
)
contexts = st.builds(
    VisitorContext,
    channel=st.sampled_from(["web", "app", "kiosk", "Web"]),
    visitor_id=st.one_of(st.none(), st.text(min_size=1, max_size=8)),
    now=st.integers(0, 96).map(lambda hours: NOW + timedelta(hours=hours)),
    timezone=st.sampled_from(["UTC", "Europe/London", "America/New_York", "Nowhere/Land"]),
    device=st.sampled_from([None, "mobile", "Mobile", "tablet", "desktop"]),
    locale=st.sampled_from([None, "en-GB", "fr-FR"]),
    country=st.sampled_from([None, "GB", "fr", "US"]),
    referrer=st.sampled_from([None, "https://www.google.com/", "bad://[", "example.org"]),
    utm=st.sampled_from([{}, {"source": "newsletter"}]),
    visit_count=st.integers(0, 6),
    pages_visited=st.frozensets(st.sampled_from(["/blog/a", "/pricing", "/"])),
    events=st.lists(
        st.builds(Event, name=st.sampled_from(["conversion", "signup"]),
                  at=st.integers(0, 20).map(lambda days: NOW - timedelta(days=days))),
        max_size=3,
    ).map(tuple),
    traits=st.fixed_dictionaries({}, optional={
        "ltv": st.one_of(st.integers(0, 1000), st.text(max_size=3), st.booleans()),
        "tier": st.sampled_from(["gold", "GOLD", "bronze", 3]),
    }),
    consent=st.frozensets(st.sampled_from(["behaviour", "crm"])),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
# JSON that looks like conditions, to get past the first checks more often
KEYS = ["all", "any", "not", "attribute", "operator", "value", "timezone"]
WORDS = ["device", "local_time", "events", "trait.ltv", "segment", "query.x", "in", "between",
         "time_between", "done_within_days", "member_of", "Europe/London", "22:00", "2025-01-01"]
condition_like = st.recursive(
    st.sampled_from(WORDS) | json_values,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    max_leaves=25,
)


def _ruleset(definition: dict[str, Any]):  # type: ignore[no-untyped-def]
    return compile_ruleset([BASE, SegmentSpec("s", "S", 1, definition)], trait_types=TRAITS)


def _valid(definition: dict[str, Any]) -> bool:
    return not validate_definition(definition, segment_keys=["base", "s"], trait_types=TRAITS)


def _leaf_truth(leaf: dict[str, Any], context: VisitorContext) -> bool:
    # the leaf alone, in a segment with the same key (sticky percentages hash the key)
    return "s" in _ruleset(leaf).evaluate(context).matched


def _meaning(definition: dict[str, Any], context: VisitorContext) -> bool:
    """What a definition means, computed the plain way: leaf by leaf."""
    if "all" in definition:
        return all(_meaning(child, context) for child in definition["all"])
    if "any" in definition:
        return any(_meaning(child, context) for child in definition["any"])
    if "not" in definition:
        return not _meaning(definition["not"], context)
    return _leaf_truth(definition, context)


@settings(max_examples=150, deadline=None)
@given(definitions, contexts)
def test_compiled_evaluation_means_what_the_tree_says(
    definition: dict[str, Any], context: VisitorContext
) -> None:
    assume(_valid(definition))
    decision = _ruleset(definition).evaluate(context)
    assert ("s" in decision.matched) == _meaning(definition, context)


@settings(max_examples=100, deadline=None)
@given(definitions, contexts)
def test_not_not_is_identity(definition: dict[str, Any], context: VisitorContext) -> None:
    assume(_valid({"not": {"not": definition}}))
    once = _ruleset(definition).evaluate(context)
    twice = _ruleset({"not": {"not": definition}}).evaluate(context)
    assert (once.matched, once.reasons) == (twice.matched, twice.reasons)


@settings(max_examples=100, deadline=None)
@given(definitions, contexts)
def test_evaluation_is_deterministic_and_explaining_changes_nothing(
    definition: dict[str, Any], context: VisitorContext
) -> None:
    assume(_valid(definition))
    first, second = _ruleset(definition), _ruleset(definition)
    decisions = [first.evaluate(context), first.evaluate(context), second.evaluate(context),
                 first.evaluate(context, explain=True)]
    assert len({(d.matched, tuple(d.reasons.items()), d.digest()) for d in decisions}) == 1
    assert first.version_digest == second.version_digest


@settings(max_examples=50, deadline=None)
@given(contexts)
def test_all_of_nothing_is_true_and_any_of_nothing_false(context: VisitorContext) -> None:
    ruleset = compile_ruleset([
        SegmentSpec("all", "", 1, {"all": []}),
        SegmentSpec("any", "", 2, {"any": []}),
    ])
    decision = ruleset.evaluate(context)
    assert decision.matched == ("all",)
    assert decision.reason("any") is Reason.NO_MATCH


@settings(max_examples=4, deadline=None)
@given(st.floats(1, 99), st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True), st.integers(0, 2**32))
def test_sticky_percentages_split_visitors_as_asked(share: float, key: str, seed: int) -> None:
    ruleset = compile_ruleset([SegmentSpec(key, "", 1, {"attribute": "percentage", "operator":
                                                        "percentage_below", "value": share})])
    draw = random.Random(seed)
    ids = [f"{draw.getrandbits(64):x}" for _ in range(20_000)]
    inside = [ruleset.evaluate(VisitorContext(channel="web", visitor_id=visitor, now=NOW)).matched == (key,)
              for visitor in ids]
    assert abs(100 * sum(inside) / len(ids) - share) <= 2
    # sticky: the same visitor gets the same answer at another time, on another channel
    later = NOW + timedelta(days=40)
    for visitor, was_inside in zip(ids[:200], inside, strict=False):
        again = ruleset.evaluate(VisitorContext(channel="app", visitor_id=visitor, now=later))
        assert (again.matched == (key,)) == was_inside


@settings(max_examples=200, deadline=None)
@given(st.one_of(json_values, condition_like))
def test_validate_definition_never_raises(definition: Any) -> None:
    issues = validate_definition(definition, segment_keys=["a", "b"], trait_types=TRAITS)
    assert all(isinstance(issue, ValidationIssue) and isinstance(issue.message, str) for issue in issues)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(json_values, condition_like, definitions), min_size=1, max_size=4),
       st.lists(st.sampled_from(["a", "b", "c", ""]), min_size=4, max_size=4))
def test_compile_ruleset_raises_only_ruleset_error(definitions_: list[Any], keys: list[str]) -> None:
    specs = [SegmentSpec(key, key, index, definition)
             for index, (key, definition) in enumerate(zip(keys, definitions_, strict=False))]
    try:
        compile_ruleset(specs, trait_types=TRAITS)
    except RulesetError as error:
        assert error.issues


MEMBERS = st.sampled_from(["a", "b", "c", "gone"]).map(
    lambda key: {"attribute": "segment", "operator": "member_of", "value": key}
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(json_values, condition_like, definitions, MEMBERS, MEMBERS.map(lambda m: {"not": m})),
                min_size=1, max_size=4),
       st.lists(st.sampled_from(["a", "b", "c", ""]), min_size=4, max_size=4))
def test_compile_partial_never_raises_and_keeps_exactly_what_compiles(
    definitions_: list[Any], keys: list[str]
) -> None:
    specs = [SegmentSpec(key, key, index, definition)
             for index, (key, definition) in enumerate(zip(keys, definitions_, strict=False))]
    partial = compile_partial(specs, trait_types=TRAITS)
    kept, left_out = set(partial.ruleset.keys), {left.key for left in partial.left_out}
    assert kept.isdisjoint(left_out) and kept | left_out == {spec.key for spec in specs}
    # what is kept compiles on its own: nothing kept uses a segment left out
    compile_ruleset([spec for spec in specs if spec.key in kept], trait_types=TRAITS)
    try:
        compile_ruleset(specs, trait_types=TRAITS)
    except RulesetError as error:
        assert set(error.issues) <= left_out
    else:
        assert not left_out
