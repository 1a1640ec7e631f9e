"""What personalisation adds to the delivery API's bodies: `meta.personalization` and resolved slots."""

from cms.api.schema.json_schema import nullable, obj, string

SLOT_REASONS = ["segment", "anyone", "default", "experiment"]

EXPERIMENT_ASSIGNMENT = obj(
    {
        "arm": nullable(string("The arm shown; null when the visitor sees no arm.")),
        "reason": string(
            "`arm`: in an arm; `holdout`: in the experiment's (or the global) holdout, sees the default; "
            "`audience`: not in its audience; `anonymous`: no visitor id; `inactive`: not running.",
            enum=["arm", "holdout", "audience", "anonymous", "inactive"],
        ),
    },
    required=["arm", "reason"],
)

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
                    "reason": string(enum=SLOT_REASONS),
                    "segments": {"type": "array", "items": nullable(string())},
                    "experiment": string("The experiment that chose this slot's content, if one did."),
                    "arm": nullable(string("The visitor's arm in it; null in its holdout.")),
                }
            ),
        },
        "experiments": {
            "type": "object",
            "description": "Per experiment testing this page: the visitor's arm (null when none) and why.",
            "additionalProperties": EXPERIMENT_ASSIGNMENT,
        },
        "global_holdout": {
            "type": "boolean",
            "description": "Present (true) when the visitor is in the global personalisation holdout: default "
            "content everywhere, no experiment.",
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
            "reason": string("Why it was chosen.", enum=SLOT_REASONS),
            "content": content,
        },
        required=["slot", "variant", "reason", "content"],
        description=description,
    )
