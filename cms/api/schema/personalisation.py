"""What personalisation adds to the delivery API's bodies: `meta.personalization` and resolved slots."""

from cms.api.schema.json_schema import nullable, obj, string

PERSONALIZATION_META = obj(
    {
        "segments": {
            "type": "array",
            "items": string(),
            "description": "Matched segments this page refers to.",
        },
        "digest": string("Digest of those segments: the response's cache variant."),
        "referenced_segments": {"type": "array", "items": string()},
        "blocks": {
            "type": "object",
            "description": "Per personalised slot: the chosen variants and why.",
            "additionalProperties": obj(
                {
                    "variants": {"type": "array", "items": string()},
                    "reason": string(enum=["segment", "anyone", "default"]),
                    "segments": {"type": "array", "items": nullable(string())},
                }
            ),
        },
        "page_variant": obj(
            {
                "requested": {"type": "integer", "description": "The id in the request's path."},
                "served": {"type": "integer", "description": "The variant page whose body this is."},
            },
            required=["requested", "served"],
            description="Only when a page variant (`personalization.PageVariant`) was served for a "
            "segment the visitor matched instead of the requested page.",
        ),
        "explain": {
            "type": "array",
            "items": {"type": "object"},
            "description": "With `explain=1`: which conditions decided each segment.",
        },
    },
    description="How this page was personalised for the visitor (page detail only).",
)


def resolved_slot(content: dict, description: str) -> dict:
    """What personalization.delivery.resolve_block returns: a personalised block's or a placement's choice."""
    return obj(
        {
            "slot": string("The slot's name."),
            "variant": nullable(string("The chosen variant (`v1`, `v2`, …); null for the default content.")),
            "reason": string("Why it was chosen.", enum=["segment", "anyone", "default"]),
            "content": content,
        },
        required=["slot", "variant", "reason", "content"],
        description=description,
    )
