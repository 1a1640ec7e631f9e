"""The engine's public API beyond the shared cases: catalogue, digests, contexts,
compilation errors and bucketing helpers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import combinations

import pytest

from personalization.engine import (
    Reason,
    RulesetError,
    SegmentSpec,
    VisitorContext,
    assign_weighted,
    bucket,
    catalogue,
    compile_ruleset,
    validate_definition,
)

NOW = datetime(2025, 6, 11, 12, tzinfo=UTC)
DEVICE = {"attribute": "device", "operator": "equals", "value": "mobile"}


def _context(**values: object) -> VisitorContext:
    return VisitorContext(channel="web", visitor_id="v1", now=NOW, **values)  # type: ignore[arg-type]


def test_catalogue_is_json_and_lists_every_attribute_and_declared_trait() -> None:
    data = json.loads(json.dumps(catalogue({"ltv": "number", "tier": "choice", "odd": "money"})))
    names = {attribute["name"] for attribute in data["attributes"]}
    assert {
        "channel", "device", "locale", "language", "country", "region", "referrer_host",
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "query.<name>",
        "ctx.<name>", "local_time", "day_of_week", "local_date", "first_visit", "returning",
        "visit_count", "first_seen", "pages_visited", "content_types_visited", "events",
        "consent", "segment", "percentage", "trait.ltv", "trait.tier",
    } == names
    ltv = next(attribute for attribute in data["attributes"] if attribute["name"] == "trait.ltv")
    assert (ltv["type"], ltv["category"]) == ("number", "crm")
    used = {name for attribute in data["attributes"] for name in attribute["operators"]}
    assert used == set(data["operators"])


def test_digest_depends_only_on_the_matched_segments_asked_for() -> None:
    segments = [SegmentSpec(key, key, index, {"all": []}) for index, key in enumerate("abc")]
    decision = compile_ruleset(segments).evaluate(_context())
    assert decision.digest(["a", "c"]) == decision.digest(["c", "a", "zzz"])
    assert decision.digest(["a", "c"]) != decision.digest(["a"])
    assert decision.digest([]) == decision.digest(["not-there"])
    assert decision.digest() == decision.digest("abc")
    assert len(decision.digest()) == 16


def test_a_page_touched_by_two_segments_has_at_most_four_digests() -> None:
    segments = [
        SegmentSpec(f"s{index}", f"s{index}", index, {"attribute": "query.s", "operator": "contains",
                                                     "value": str(index)})
        for index in range(10)
    ]
    ruleset = compile_ruleset(segments)
    digests = set()
    for size in range(11):
        for chosen in combinations(range(10), size):
            query = {"s": "".join(map(str, chosen))} if chosen else {}
            digests.add(ruleset.evaluate(_context(query=query)).digest(["s3", "s7"]))
    assert len(digests) == 4


def test_reasons_cover_every_segment_in_priority_order() -> None:
    segments = [
        SegmentSpec("b", "b", 2, {"attribute": "trait.vip", "operator": "equals", "value": True}),
        SegmentSpec("a", "a", 1, DEVICE),
        SegmentSpec("c", "c", 3, DEVICE, enabled=False),
    ]
    decision = compile_ruleset(segments, trait_types={"vip": "boolean"}).evaluate(_context(device="mobile"))
    assert decision.reasons == {"a": Reason.MATCH, "b": Reason.NO_CONSENT, "c": Reason.DISABLED}
    with pytest.raises(KeyError):
        decision.reason("nope")


def test_explained_decisions_are_json() -> None:
    segments = [
        SegmentSpec("a", "a", 1, {"all": [DEVICE, {"attribute": "local_date", "operator": "gte",
                                                   "value": "2025-01-01"}]}),
        SegmentSpec("b", "b", 2, {"attribute": "events", "operator": "done_within_days",
                                  "value": {"event": "signup", "days": 3}}),
        SegmentSpec("c", "c", 3, {"attribute": "pages_visited", "operator": "exists"}),
    ]
    context = _context(device="mobile", consent=frozenset({"behaviour"}), pages_visited=frozenset({"/a"}))
    text = json.dumps(compile_ruleset(segments).evaluate(context, explain=True).as_dict())
    assert '"actual": "2025-06-11"' in text and '"actual": ["/a"]' in text


def test_version_digest_identifies_the_compiled_rules() -> None:
    def digest(**changes: object) -> str:
        values: dict[str, object] = {"key": "a", "name": "A", "priority": 1, "definition": DEVICE}
        return compile_ruleset([SegmentSpec(**{**values, **changes})]).version_digest  # type: ignore[arg-type]

    assert digest() == digest(name="renamed")  # names are for people only
    assert len({digest(), digest(priority=2), digest(version=2), digest(enabled=False),
                digest(definition={"not": DEVICE})}) == 5


def test_ruleset_error_lists_issues_per_segment_and_reads_well() -> None:
    segments = [
        SegmentSpec("ok", "ok", 1, DEVICE),
        SegmentSpec("bad", "bad", 2, {"attribute": "devce", "operator": "equals", "value": "x"}),
        SegmentSpec("", "blank", True, DEVICE),  # type: ignore[arg-type]
    ]
    with pytest.raises(RulesetError) as raised:
        compile_ruleset(segments)
    assert set(raised.value.issues) == {"bad", ""}
    assert [issue.message for issue in raised.value.issues[""]] == [
        "a segment needs a non-empty text key", "the segment's priority must be int",
    ]
    assert "bad: attribute: unknown attribute 'devce'" in str(raised.value)


def test_validate_definition_checks_member_of_against_the_given_keys() -> None:
    member = {"attribute": "segment", "operator": "member_of", "value": "vip"}
    assert validate_definition(member, segment_keys=["vip"], trait_types={}) == []
    assert [issue.path for issue in validate_definition(member, segment_keys=[], trait_types={})] == ["value"]


def test_too_many_conditions_are_refused() -> None:
    definition = {"any": [DEVICE] * 250}
    issues = validate_definition(definition, segment_keys=[], trait_types={})
    assert [issue.message for issue in issues] == ["a definition may hold at most 200 conditions"]


def test_context_from_dict_parses_and_refuses_unknown_keys() -> None:
    context = VisitorContext.from_dict({
        "channel": "web", "visitor_id": None, "now": "2025-06-11T12:00:00",
        "events": [{"name": "signup", "at": "2025-06-10T12:00:00+02:00"}], "consent": ["crm"],
    })
    assert context.now == NOW and context.consent == frozenset({"crm"})
    assert context.events[0].at.utcoffset() is not None
    with pytest.raises(TypeError):
        VisitorContext.from_dict({"channel": "web", "visitor_id": None, "now": "2025-06-11", "devce": "x"})


def test_context_refuses_a_naive_clock() -> None:
    with pytest.raises(ValueError):
        VisitorContext(channel="web", visitor_id=None, now=datetime(2025, 6, 11))


def test_bucket_is_stable_and_in_range() -> None:
    assert bucket("seed", "v1") == bucket("seed", "v1", version=1)
    assert bucket("seed", "v1") != bucket("seed", "v1", version=2)
    assert all(0 <= bucket("seed", f"v{index}") < 1 for index in range(1000))


def test_assign_weighted_follows_the_weights() -> None:
    weights = {"control": 1.0, "treatment": 3.0, "off": 0.0}
    arms = [assign_weighted("experiment", f"visitor-{index}", weights) for index in range(8000)]
    assert arms.count("off") == 0
    assert 0.72 < arms.count("treatment") / len(arms) < 0.78
    assert assign_weighted("experiment", "visitor-1", weights) == arms[1]
    with pytest.raises(ValueError):
        assign_weighted("experiment", "v", {"a": 0.0})
    with pytest.raises(ValueError):
        assign_weighted("experiment", "v", {"a": 1.0, "b": -1.0})


def test_this_engine_evaluates_the_cheapest_conditions_first_and_stops_at_the_first_deciding_one() -> None:
    # Not part of cases.json: the evaluation order is this engine's own (other evaluators may differ).
    condition = {"all": [
        {"attribute": "percentage", "operator": "percentage_below", "value": 100},
        DEVICE,
        {"attribute": "country", "operator": "equals", "value": "GB"},
    ]}
    ruleset = compile_ruleset([SegmentSpec("s", "s", 1, condition)])
    trace = ruleset.evaluate(_context(device="desktop", country="GB"), explain=True).trace
    assert [(c.path, c.result) for c in trace[0].conditions] == [("all[1]", False)]


def test_issues_carry_codes_for_programs() -> None:
    issues = validate_definition({"attribute": "devce", "operator": "equals", "value": 1}, segment_keys=[], trait_types={})
    assert [(issue.path, issue.code.value) for issue in issues] == [("attribute", "unknown_attribute")]
    assert issues[0].as_dict()["code"] == "unknown_attribute"


def test_compile_partial_leaves_out_a_broken_segment_and_its_dependants_only() -> None:
    from personalization.engine import LeftOutReason, compile_partial

    segments = [
        SegmentSpec("a", "A", 1, {"attribute": "trait.gone", "operator": "exists"}),
        SegmentSpec("b", "B", 2, {"attribute": "segment", "operator": "member_of", "value": "a"}),
        SegmentSpec("mobile", "Mobile", 3, DEVICE),
    ]
    partial = compile_partial(segments)
    assert partial.ruleset.keys == ("mobile",)
    assert [(left.key, left.reason, left.depends_on) for left in partial.left_out] == [
        ("a", LeftOutReason.INVALID, None), ("b", LeftOutReason.DEPENDS_ON_LEFT_OUT, "a"),
    ]
    assert "unknown trait 'gone'" in partial.left_out[0].message
    assert "'a'" in partial.left_out[1].message
    assert partial.ruleset.evaluate(_context(device="mobile")).matched == ("mobile",)
    # the strict compiler still reports the problem of the broken segment itself
    with pytest.raises(RulesetError) as raised:
        compile_ruleset(segments)
    assert set(raised.value.issues) == {"a"}


def test_a_trait_needs_the_consent_of_its_declared_data_category() -> None:
    from personalization.engine.attributes import DeclaredTrait

    segments = [
        SegmentSpec("crm", "crm", 1, {"attribute": "trait.tier", "operator": "equals", "value": "gold"}),
        SegmentSpec("seen", "seen", 2, {"attribute": "trait.section", "operator": "equals", "value": "shoes"}),
    ]
    declared = {"tier": "string", "section": DeclaredTrait("string", "behaviour")}
    ruleset = compile_ruleset(segments, trait_types=declared)
    traits = {"tier": "gold", "section": "shoes"}

    behaviour_only = ruleset.evaluate(_context(traits=traits, consent=frozenset({"behaviour"})))
    crm_only = ruleset.evaluate(_context(traits=traits, consent=frozenset({"crm"})))

    assert behaviour_only.reasons == {"crm": Reason.NO_CONSENT, "seen": Reason.MATCH}
    assert crm_only.reasons == {"crm": Reason.MATCH, "seen": Reason.NO_CONSENT}
    by_name = {entry["name"]: entry for entry in catalogue(declared)["attributes"]}
    assert by_name["trait.section"]["category"] == "behaviour" and by_name["trait.tier"]["category"] == "crm"
