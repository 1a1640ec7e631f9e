"""A segment's current members, page by page, with the traits that put them there."""

from personalization.models import Segment, SegmentMembership

MAX_PAGE = 500
TRAIT_PREFIX = "trait."  # the rules' name for a CRM trait: trait.<name>


def definition_traits(definition: object) -> set[str]:
    """Names of the traits a segment definition's conditions use."""
    found: set[str] = set()
    if isinstance(definition, dict):
        attribute = definition.get("attribute")
        if isinstance(attribute, str) and attribute.startswith(TRAIT_PREFIX):
            found.add(attribute.removeprefix(TRAIT_PREFIX))
        for value in definition.values():
            found |= definition_traits(value)
    elif isinstance(definition, list):
        for value in definition:
            found |= definition_traits(value)
    return found


def members_page(key: str, *, after: int = 0, limit: int = 100) -> dict | None:
    """Members with a membership id above `after`; None when no segment has the key."""
    segment = Segment.objects.filter(key=key).only("definition", "live").first()
    if segment is None:
        return None
    traits = definition_traits(segment.definition)
    rows = list(
        SegmentMembership.objects.filter(segment=key, left_at__isnull=True, pk__gt=after)
        .select_related("profile").order_by("pk")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "segment": key,
        "results": [
            {
                "visitor_id": row.profile.visitor_id,
                "customer_id": row.profile.customer_id,
                "entered_at": row.entered_at.isoformat(),
                "traits": {name: value for name, value in row.profile.traits.items() if name in traits},
            }
            for row in rows
        ],
        "next": str(rows[-1].pk) if more else None,
    }
