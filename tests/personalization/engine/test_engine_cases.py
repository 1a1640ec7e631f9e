"""Runs the shared JSON cases (see README.md) against the engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from personalization.engine import (
    RulesetError,
    SegmentSpec,
    VisitorContext,
    bucket,
    compile_partial,
    compile_ruleset,
)

CASES = json.loads(Path(__file__).with_name("cases.json").read_text(encoding="utf-8"))
DEFAULTS = CASES["defaults"]
FORMAT_VERSION = 2  # the cases.json format this runner reads


def test_format_version() -> None:
    assert CASES["format_version"] == FORMAT_VERSION


def _specs(case: dict[str, Any]) -> list[SegmentSpec]:
    if "condition" in case:
        return [SegmentSpec("s", "s", 1, case["condition"])]
    return [
        SegmentSpec(
            segment["key"], segment["key"], segment["priority"], segment["definition"],
            enabled=segment.get("enabled", True),
        )
        for segment in case["segments"]
    ]


def _compile(case: dict[str, Any]):  # type: ignore[no-untyped-def]
    return compile_ruleset(_specs(case), trait_types=case.get("trait_types", DEFAULTS["trait_types"]))


def _context(case: dict[str, Any]) -> VisitorContext:
    return VisitorContext.from_dict({**DEFAULTS["context"], **case["context"]})


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


@pytest.mark.parametrize("case", CASES["evaluate"], ids=_ids(CASES["evaluate"]))
def test_evaluate(case: dict[str, Any]) -> None:
    ruleset = _compile(case)
    context = _context(case)
    expected = case["expected"]

    fast, explained = ruleset.evaluate(context), ruleset.evaluate(context, explain=True)

    assert list(fast.matched) == expected["matched"]
    # the traced path takes no shortcuts (no channel plans, no consent folding)
    assert explained.matched == fast.matched
    assert explained.reasons == fast.reasons
    for key, reason in expected.get("reasons", {}).items():
        assert fast.reason(key).value == reason, key
    traces = {segment.key: segment.conditions for segment in explained.trace}
    for key, conditions in expected.get("trace", {}).items():
        # by path, in any order: the order conditions are evaluated in is each evaluator's own
        seen = {condition.path: condition.as_dict() for condition in traces[key]}
        for written in conditions:
            want = {"path": "", **written}
            got = seen.get(want["path"])
            assert got is not None, (want, list(seen))
            assert {field: got[field] for field in want} == want, got


@pytest.mark.parametrize("case", CASES["invalid"], ids=_ids(CASES["invalid"]))
def test_invalid(case: dict[str, Any]) -> None:
    with pytest.raises(RulesetError) as raised:
        _compile(case)
    found = {
        key: [{"path": issue.path, "code": issue.code.value} for issue in issues]
        for key, issues in raised.value.issues.items()
    }
    assert found == case["issues"]


@pytest.mark.parametrize("case", CASES["partial"], ids=_ids(CASES["partial"]))
def test_partial(case: dict[str, Any]) -> None:
    partial = compile_partial(_specs(case), trait_types=case.get("trait_types", DEFAULTS["trait_types"]))
    decision = partial.ruleset.evaluate(_context(case))
    expected = case["expected"]

    assert list(decision.matched) == expected["matched"]
    for key, reason in expected.get("reasons", {}).items():
        assert decision.reason(key).value == reason, key
    found = {}
    for left in partial.left_out:
        found[left.key] = {"reason": left.reason.value}
        if left.issues:
            found[left.key]["codes"] = [issue.code.value for issue in left.issues]
        if left.depends_on is not None:
            found[left.key]["depends_on"] = left.depends_on
    assert found == expected["left_out"]
    assert not set(found) & set(partial.ruleset.keys)  # left out means out of every decision


@pytest.mark.parametrize("reference", CASES["bucketing"])
def test_bucketing_reference(reference: dict[str, Any]) -> None:
    assert bucket(reference["seed"], reference["visitor_id"], reference["version"]) == reference["bucket"]
