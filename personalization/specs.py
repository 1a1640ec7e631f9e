"""The one translation from database rows to rules-engine input."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from personalization.engine import (
    IssueCode,
    LeftOut,
    LeftOutReason,
    PartialRuleset,
    Ruleset,
    SegmentSpec,
    ValidationIssue,
    compile_partial,
    validate_definition,
)
from personalization.engine.attributes import DeclaredTrait
from personalization.engine.conditions import parse_definition, walk
from personalization.models import Segment, TraitDefinition


def trait_types() -> dict[str, str]:
    """Trait name → type (with its data category, which decides the consent a condition on it needs)."""
    return {
        name: DeclaredTrait(kind, category)
        for name, kind, category in TraitDefinition.objects.values_list("name", "type", "category")
    }


def segment_spec(segment: Segment) -> SegmentSpec:
    return SegmentSpec(
        key=segment.key,
        name=segment.name,
        priority=segment.priority,
        definition=segment.definition,
        enabled=segment.enabled,
        version=segment.latest_revision_id or 1,
    )


def live_segments():
    """Segments that take part in decisions: published (live) ones; drafts never do.

    A segment past its expiry is out even before the scheduled unpublish has run, so
    that an expired audience never decides anything (fail closed).
    """
    not_expired = Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now())
    return Segment.objects.filter(not_expired, live=True).order_by("priority", "key")


@dataclass(frozen=True)
class LiveRules:
    """The live segments compiled as far as they compile.

    ``key_by_id`` holds only the segments in the ruleset: a segment left out of it, like
    a draft or a deleted one, is unknown to delivery, so nothing that refers to it matches.
    """

    partial: PartialRuleset
    key_by_id: dict[int, str]
    segments: dict[str, Segment]
    expires_at: datetime | None = None  # the first expiry among them: compile again from then on

    def left_out(self) -> list[tuple[Segment | None, LeftOut]]:
        """Each segment left out of decisions, with its row when there is one, by priority."""
        return [(self.segments.get(left.key), left) for left in self.partial.left_out]


def live_rules() -> LiveRules:
    """Compile the live segments; those that cannot compile, and their dependants, are left out."""
    segments = list(live_segments())
    partial = compile_partial([segment_spec(s) for s in segments], trait_types=trait_types())
    kept = set(partial.ruleset.keys)
    return LiveRules(
        partial=partial,
        key_by_id={s.pk: s.key for s in segments if s.key in kept},
        segments={s.key: s for s in segments},
        expires_at=min((s.expire_at for s in segments if s.expire_at), default=None),
    )


def left_out_issue(left: LeftOut) -> list[ValidationIssue]:
    """The issues to show for a segment left out: its own, or that it uses one left out."""
    if left.reason is LeftOutReason.INVALID:
        return list(left.issues)
    return [ValidationIssue("", left.message, IssueCode.USES_LEFT_OUT)]


def segment_definition_errors(segment: Segment, *, check_trait_lists: bool = False) -> list[str]:
    """Human-readable problems with a segment as edited, against the other live segments.

    ``check_trait_lists`` (the segment form): also values outside a list trait's values,
    which compiling the rules leaves alone (see ``trait_choice_issues``).
    """
    issues, _ = compile_candidate(segment_spec(segment), exclude_pk=segment.pk, check_trait_lists=check_trait_lists)
    return [_issue_text(issue) for issue in issues]


def compile_candidate(
    candidate: SegmentSpec, *, exclude_pk: int | None, check_trait_lists: bool
) -> tuple[list[ValidationIssue], Ruleset | None]:
    """A segment as edited (saved or not) compiled beside the live segments but segment ``exclude_pk``.

    Returns its issues, or none and the ruleset delivery would use once it is live. Compiled
    partially, as delivery compiles: another live segment that no longer compiles (a trait
    deleted under it) is left out and blocks nothing, unless the candidate uses it.
    """
    types = trait_types()
    keys = {*Segment.objects.values_list("key", flat=True), candidate.key}
    issues = validate_definition(candidate.definition, segment_keys=keys, trait_types=types)
    if not issues and check_trait_lists:
        issues = trait_choice_issues(candidate.definition, segment_keys=keys, trait_types=types)
    if issues:
        return issues, None
    others = [segment_spec(other) for other in live_segments().exclude(pk=exclude_pk)]
    partial = compile_partial([*others, candidate], trait_types=types)
    left = next((left for left in partial.left_out if left.key == candidate.key), None)
    if left is not None:
        return left_out_issue(left), None
    return [], partial.ruleset


def trait_choice_issues(definition, *, segment_keys, trait_types: dict[str, str]) -> list[ValidationIssue]:
    """Values of 'one of a list' traits outside the trait's list.

    The engine checks a value's type, not the list a marketer keeps in the trait's
    definition; this is checked on save only, so editing a list never drops a live segment.
    """
    choices = {
        f"trait.{name}": {str(choice).lower(): str(choice) for choice in allowed}
        for name, allowed in TraitDefinition.objects.exclude(choices=[]).values_list("name", "choices")
    }
    node, _ = parse_definition(definition, segment_keys=segment_keys, trait_types=trait_types)
    issues = []
    for leaf in walk(node) if choices and node is not None else ():
        allowed = choices.get(leaf.attribute.name, {})
        values = leaf.raw if isinstance(leaf.raw, list) else [leaf.raw]
        unknown = [value for value in values if isinstance(value, str) and allowed and value.lower() not in allowed]
        if unknown:
            message = f"{', '.join(unknown)} is not a value of {leaf.attribute.name}: {', '.join(allowed.values())}"
            where = f"{leaf.path}.value" if leaf.path else "value"
            issues.append(ValidationIssue(where, message, IssueCode.NOT_A_TRAIT_CHOICE))
    return issues


def _issue_text(issue: ValidationIssue) -> str:
    return f"{issue.path}: {issue.message}" if issue.path else issue.message
