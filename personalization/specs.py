"""The one translation from database rows to rules-engine input."""

from personalization.engine import RulesetError, SegmentSpec, ValidationIssue, compile_ruleset, validate_definition
from personalization.models import Segment, TraitDefinition


def trait_types() -> dict[str, str]:
    """Trait name → type, as the engine's `trait.<name>` attributes need them."""
    return dict(TraitDefinition.objects.values_list("name", "type"))


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
    """Segments that take part in decisions: published (live) ones; drafts never do."""
    return Segment.objects.filter(live=True).order_by("priority", "key")


def segment_definition_errors(segment: Segment) -> list[str]:
    """Human-readable problems with a segment as edited, against the other live segments."""
    keys = set(Segment.objects.values_list("key", flat=True)) | {segment.key}
    issues = validate_definition(segment.definition, segment_keys=keys, trait_types=trait_types())
    if issues:
        return [_issue_text(issue) for issue in issues]
    others = [segment_spec(other) for other in live_segments().exclude(pk=segment.pk)]
    try:
        compile_ruleset([*others, segment_spec(segment)], trait_types=trait_types())
    except RulesetError as exc:
        return [_issue_text(issue) for issue in exc.issues.get(segment.key, [])] or [str(exc)]
    return []


def _issue_text(issue: ValidationIssue) -> str:
    return f"{issue.path}: {issue.message}" if issue.path else issue.message
