"""Experiment assignment in the engine: sticky across processes, arm shares, holdouts, audience."""

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from personalization.engine import AssignmentReason, ExperimentSpec, assign, in_global_holdout
from tests.helpers.processes import ROOT

VISITORS = [f"visitor-{n}" for n in range(100_000)]
SPEC = ExperimentSpec(key="hero-test", arms=(("control", 50), ("b", 30), ("c", 20)), control="control")


def test_arm_shares_follow_the_weights_over_100000_visitors():
    counts = Counter(assign(SPEC, visitor, ()).arm for visitor in VISITORS)
    shares = {arm: count / len(VISITORS) for arm, count in counts.items()}
    # binomial sd at n = 100,000 is at most 0.0016: 0.006 is over 3.5 sd
    assert shares == pytest.approx({"control": 0.5, "b": 0.3, "c": 0.2}, abs=0.006)


def test_the_holdout_share_sees_no_arm_and_leaves_the_others_in_their_arms():
    held = ExperimentSpec(key="hero-test", arms=SPEC.arms, control="control", holdout=0.1)
    outcomes = {visitor: assign(held, visitor, ()) for visitor in VISITORS[:50_000]}
    holdout = [visitor for visitor, outcome in outcomes.items() if outcome.reason is AssignmentReason.HOLDOUT]
    assert len(holdout) / len(outcomes) == pytest.approx(0.1, abs=0.006)
    assert all(outcomes[visitor].arm is None for visitor in holdout)
    # the holdout is drawn from its own seed: everyone else keeps the arm they had without it
    assert all(
        outcome.arm == assign(SPEC, visitor, ()).arm
        for visitor, outcome in outcomes.items() if outcome.reason is AssignmentReason.ARM
    )


def test_arm_shares_among_the_non_held_out_still_follow_the_weights():
    held = ExperimentSpec(key="other", arms=(("control", 1), ("b", 1)), control="control", holdout=0.2)
    counts = Counter(assign(held, visitor, ()).arm for visitor in VISITORS)
    in_arms = counts["control"] + counts["b"]
    assert counts["control"] / in_arms == pytest.approx(0.5, abs=0.007)


def test_the_audience_is_checked_against_the_decision_s_matched_segments():
    spec = ExperimentSpec(key="gold-test", arms=SPEC.arms, control="control", audience=("gold", "silver"))
    assert assign(spec, "v1", ("bronze",)).reason is AssignmentReason.AUDIENCE
    assert assign(spec, "v1", ("bronze",)).arm is None
    assert assign(spec, "v1", ("silver",)).reason is AssignmentReason.ARM
    # which audience segment matched does not change the arm
    assert assign(spec, "v1", ("silver",)).arm == assign(spec, "v1", ("gold",)).arm


def test_an_anonymous_visitor_takes_no_part():
    assert assign(SPEC, None, ()).reason is AssignmentReason.ANONYMOUS
    assert assign(SPEC, "", ()).arm is None


def test_the_arm_depends_on_the_experiment_key_not_only_the_visitor():
    other = ExperimentSpec(key="another-test", arms=SPEC.arms, control="control")
    same = sum(assign(SPEC, v, ()).arm == assign(other, v, ()).arm for v in VISITORS[:10_000])
    # independent draws agree with probability .5² + .3² + .2² = 0.38
    assert same / 10_000 == pytest.approx(0.38, abs=0.03)


def test_the_global_holdout_share_is_honoured_and_never_takes_anonymous_visitors():
    held = sum(in_global_holdout(visitor, 0.05) for visitor in VISITORS)
    assert held / len(VISITORS) == pytest.approx(0.05, abs=0.003)
    assert not in_global_holdout(None, 0.5) and not in_global_holdout("v1", 0)


def test_a_spec_refuses_a_control_that_is_not_an_arm_and_a_holdout_of_everyone():
    with pytest.raises(ValueError):
        ExperimentSpec(key="x", arms=(("a", 1),), control="control")
    with pytest.raises(ValueError):
        ExperimentSpec(key="x", arms=(("control", 1),), control="control", holdout=1.0)


ASSIGN_IN_A_CHILD = """
import json, sys
from personalization.engine import ExperimentSpec, assign
spec = ExperimentSpec(key="hero-test", arms=(("control", 50), ("b", 30), ("c", 20)), control="control", holdout=0.1)
print(json.dumps([assign(spec, f"visitor-{n}", ()).arm for n in range(2000)]))
"""


@pytest.mark.parametrize("hash_seed", ["1", "4242"])
def test_assignment_is_sticky_across_processes_whatever_their_hash_seed(hash_seed):
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    child = subprocess.run(
        [sys.executable, "-c", ASSIGN_IN_A_CHILD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert child.returncode == 0, child.stderr
    spec = ExperimentSpec(key="hero-test", arms=SPEC.arms, control="control", holdout=0.1)
    here = [assign(spec, f"visitor-{n}", ()).arm for n in range(2000)]
    assert json.loads(child.stdout) == here
    assert {None, "control", "b", "c"} == set(here)
