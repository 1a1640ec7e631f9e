"""The one translation from database rows to rules-engine input."""

from personalization.engine import IssueCode, RulesetError, SegmentSpec, ValidationIssue, compile_ruleset, validate_definition
from personalization.engine.conditions import parse_definition, walk
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


def segment_definition_errors(segment: Segment, *, check_trait_lists: bool = False) -> list[str]:
    """Human-readable problems with a segment as edited, against the other live segments.

    ``check_trait_lists`` (the segment form): also values outside a list trait's values,
    which compiling the rules leaves alone (see ``trait_choice_issues``).
    """
    keys = set(Segment.objects.values_list("key", flat=True)) | {segment.key}
    types = trait_types()
    issues = validate_definition(segment.definition, segment_keys=keys, trait_types=types)
    if issues:
        return [_issue_text(issue) for issue in issues]
    others = [segment_spec(other) for other in live_segments().exclude(pk=segment.pk)]
    try:
        compile_ruleset([*others, segment_spec(segment)], trait_types=types)
    except RulesetError as exc:
        return [_issue_text(issue) for issue in exc.issues.get(segment.key, [])] or [str(exc)]
    if check_trait_lists:
        return [_issue_text(issue) for issue in trait_choice_issues(segment.definition, segment_keys=keys, trait_types=types)]
    return []


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
            issues.append(ValidationIssue(f"{leaf.path}.value" if leaf.path else "value", message, IssueCode.NOT_A_TRAIT_CHOICE))
    return issues


def _issue_text(issue: ValidationIssue) -> str:
    return f"{issue.path}: {issue.message}" if issue.path else issue.message
