"""Runs the shared JSON cases (see README.md) against the engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from personalization.engine import RulesetError, SegmentSpec, VisitorContext, bucket, compile_ruleset

CASES = json.loads(Path(__file__).with_name("cases.json").read_text(encoding="utf-8"))
DEFAULTS = CASES["defaults"]


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


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


@pytest.mark.parametrize("case", CASES["evaluate"], ids=_ids(CASES["evaluate"]))
def test_evaluate(case: dict[str, Any]) -> None:
    ruleset = _compile(case)
    context = VisitorContext.from_dict({**DEFAULTS["context"], **case["context"]})
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
        seen = [condition.as_dict() for condition in traces[key]]
        assert len(seen) == len(conditions), seen
        for want, got in zip(conditions, seen, strict=True):
            assert {field: got[field] for field in want} == want, got


@pytest.mark.parametrize("case", CASES["invalid"], ids=_ids(CASES["invalid"]))
def test_invalid(case: dict[str, Any]) -> None:
    with pytest.raises(RulesetError) as raised:
        _compile(case)
    found = {key: [issue.as_dict() for issue in issues] for key, issues in raised.value.issues.items()}
    assert found == case["issues"]


@pytest.mark.parametrize("reference", CASES["bucketing"])
def test_bucketing_reference(reference: dict[str, Any]) -> None:
    assert bucket(reference["seed"], reference["visitor_id"], reference["version"]) == reference["bucket"]
