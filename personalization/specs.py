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
    issue_texts,
    validate_definition,
    value_issues,
)
from personalization.engine.attributes import DeclaredTrait
from personalization.engine.wording import in_condition_order, issue_text
from cms.models import Channel
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
    """Problems with a segment as edited, against the other live segments, each once and placed
    by condition number ("Condition 3: …").

    ``check_trait_lists`` (the segment form): also values that cannot occur (see
    ``known_value_issues``), which compiling the rules leaves alone.
    """
    issues, _ = compile_candidate(segment_spec(segment), exclude_pk=segment.pk, check_trait_lists=check_trait_lists)
    return issue_texts(issues, segment.definition)


def issue_dicts(issues: list[ValidationIssue], definition) -> list[dict[str, str]]:
    """Issues for the rule builder: each once, with its text placed by condition number."""
    found: dict[str, dict[str, str]] = {}
    for issue in in_condition_order(issues, definition):
        found.setdefault(issue_text(issue, definition), issue.as_dict())
    return [{**data, "text": text} for text, data in found.items()]


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
    if check_trait_lists:  # every problem at once, whichever check finds it
        issues += known_value_issues(candidate.definition)
    if issues:
        return issues, None
    others = [segment_spec(other) for other in live_segments().exclude(pk=exclude_pk)]
    partial = compile_partial([*others, candidate], trait_types=types)
    left = next((left for left in partial.left_out if left.key == candidate.key), None)
    if left is not None:
        return left_out_issue(left), None
    return [], partial.ruleset


def known_value_issues(definition) -> list[ValidationIssue]:
    """Values no visitor can have: not a country code, a channel or device kind that does not
    exist, a value outside a "one of a list" trait's values.

    Checked on save and in the builder only, so removing a channel or a trait choice never
    drops a live segment from delivery.
    """
    choices = dict(TraitDefinition.objects.exclude(choices=[]).values_list("name", "choices"))
    channels = list(Channel.objects.values_list("slug", flat=True))
    return value_issues(definition, channels=channels, trait_choices=choices)
