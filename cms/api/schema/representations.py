"""Component schemas of the representations that blocks and fields expand to (cms.api.representations)."""

from zoneinfo import available_timezones

from cms.api.schema.json_schema import nullable, obj, ref, string

TIME_ZONE = string(
    "An IANA time zone name (`tz`); any other value is a 400.", enum=sorted(available_timezones())
)

RENDITION = obj(
    {"url": string("The rendition's URL."), "width": {"type": "integer"}, "height": {"type": "integer"}},
    required=["url", "width", "height"],
)
FOCAL_POINT = obj(
    {name: {"type": "integer"} for name in ("x", "y", "width", "height")},
    required=["x", "y", "width", "height"],
    description="The editor's focal point, in pixels of the original image.",
)
RENDITIONS = {
    "type": "object",
    "additionalProperties": ref("Rendition"),
    "description": "One rendition per preset of the key's channel, by preset name.",
}
IMAGE = obj(
    {
        "id": {"type": "integer"},
        "title": string(),
        "alt": string("Alternative text."),
        "credit": string(),
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "focal_point": nullable(ref("FocalPoint")),
        "renditions": ref("Renditions"),
    },
    required=["id", "title", "alt", "credit", "width", "height", "focal_point", "renditions"],
    description="An image as embedded in pages and blocks, with the channel's renditions.",
)
CALL_TO_ACTION = obj(
    {
        "id": {"type": "integer"},
        "type": string(enum=["cms.CallToAction"]),
        "title": string(),
        "text": string(),
        "button_label": string(),
        "url": string("The linked page's URL when the channel may see it, else the external URL."),
    },
    required=["id", "type", "title", "text", "button_label", "url"],
    description="A call-to-action snippet as embedded in blocks.",
)
PROMO = obj(
    {
        "id": {"type": "integer"},
        "type": string(enum=["cms.Promo"]),
        "title": string(),
        "body": string("Rich text as HTML."),
        "image": nullable(ref("Image")),
        "url": string("The linked page's URL when the channel may see it, else the external URL."),
    },
    required=["id", "type", "title", "body", "image", "url"],
    description="A promo snippet as embedded in blocks.",
)
AUTHOR = obj(
    {"id": {"type": "integer"}, "name": string(), "role": string()},
    required=["id", "name", "role"],
)

PAGE_SUMMARY = obj(
    {
        "id": {"type": "integer"},
        "meta": obj(
            {
                "type": string("The page type, `app_label.ModelName`."),
                "detail_url": string(format="uri"),
                "html_url": nullable(string(format="uri")),
            },
            required=["type", "detail_url", "html_url"],
        ),
        "title": string(),
    },
    required=["id", "meta", "title"],
    description="A related page (a detail's `meta.parent` and `meta.alias_of`).",
)
