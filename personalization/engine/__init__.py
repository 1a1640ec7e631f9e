"""Tailor's personalisation rules engine: pure Python, no Django, no I/O.

Compile segment definitions once per change with ``compile_ruleset`` (all or nothing)
or ``compile_partial`` (leaving out what cannot compile, for delivery); evaluate the
resulting ``Ruleset`` for each ``VisitorContext``; pick variants with ``resolve_slot``.

Module layering (each imports only modules listed before it): errors, values, context,
zones, facts, bucketing, sources, attributes, operators, conditions, decision, ruleset,
predicates, compiler, variants, catalogue, experiments; countries, known_values, wording.
"""

from .bucketing import HASH_VERSION, assign_weighted, bucket
from .catalogue import catalogue
from .compiler import LeftOut, LeftOutReason, PartialRuleset, SegmentSpec, compile_partial, compile_ruleset
from .conditions import validate_definition
from .context import Event, VisitorContext
from .decision import ConditionTrace, Decision, Reason, SegmentTrace
from .experiments import Assignment, AssignmentReason, ExperimentSpec, assign, in_global_holdout
from .errors import IssueCode, RulesetError, ValidationIssue
from .known_values import DEVICE_KINDS, value_issues
from .ruleset import Ruleset
from .variants import SlotChoice, SlotReason, SlotResult, VariantSpec, resolve_slot
from .wording import describe, issue_texts, matches_everyone

__all__ = [
    "DEVICE_KINDS",
    "Assignment",
    "AssignmentReason",
    "ExperimentSpec",
    "assign",
    "in_global_holdout",
    "HASH_VERSION",
    "ConditionTrace",
    "Decision",
    "Event",
    "IssueCode",
    "LeftOut",
    "LeftOutReason",
    "PartialRuleset",
    "Reason",
    "Ruleset",
    "RulesetError",
    "SegmentSpec",
    "SegmentTrace",
    "SlotChoice",
    "SlotReason",
    "SlotResult",
    "ValidationIssue",
    "VariantSpec",
    "VisitorContext",
    "assign_weighted",
    "bucket",
    "catalogue",
    "compile_partial",
    "compile_ruleset",
    "describe",
    "issue_texts",
    "matches_everyone",
    "resolve_slot",
    "validate_definition",
    "value_issues",
]
