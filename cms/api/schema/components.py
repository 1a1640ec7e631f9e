"""Every named schema of the description: fixed representations, blocks, and each endpoint's bodies.

Bodies come from the serializer Wagtail builds with `fields=*`, field by field; page bodies
are typed per page type (`oneOf` by `meta.type`). Blocks are walked with one BlockSchemas
for the whole description, so that a block type has one component whichever body embeds it.
"""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.drainage import warn
from drf_spectacular.openapi import AutoSchema
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import Page, get_page_models

from cms.api.schema.blocks import BlockSchemas
from cms.api.schema.fields import FieldSchemas
from cms.api.schema.json_schema import model_label, obj, ref
from cms.api.schema.personalisation import PERSONALIZATION_META
from cms.api.schema.problems import PROBLEM
from cms.api.schema.representations import (
    AUTHOR,
    CALL_TO_ACTION,
    FOCAL_POINT,
    IMAGE,
    PAGE_SUMMARY,
    PROMO,
    RENDITION,
    RENDITIONS,
    TIME_ZONE,
)

ComponentBuilder = Callable[[BlockSchemas], dict[str, dict]]

LISTING_META = obj(
    {
        "total_count": {"type": "integer", "minimum": 0, "description": "Matches before limit and offset."},
        "personalization": {
            "allOf": [ref("PersonalizationMeta")],
            "description": "Pages listings only: the decision for the personalised blocks of the items.",
        },
    },
    required=["total_count"],
)

# The components that do not depend on the endpoints (TimeZone is added after them).
REPRESENTATIONS = {
    "PersonalizationMeta": PERSONALIZATION_META,
    "Problem": PROBLEM,
    "ListingMeta": LISTING_META,
    "PageSummary": PAGE_SUMMARY,
    "Image": IMAGE,
    "FocalPoint": FOCAL_POINT,
    "Rendition": RENDITION,
    "Renditions": RENDITIONS,
    "CallToAction": CALL_TO_ACTION,
    "Promo": PROMO,
    "Author": AUTHOR,
}

# Bodies of API views outside Wagtail's router that embed StreamField values (the decide endpoint's
# placements): they are walked with the same BlockSchemas as the pages, so a block type has one component.
# Apps add theirs with register_component_builder from their AppConfig.ready, not on import.
EXTRA_COMPONENTS: list[ComponentBuilder] = []


def register_component_builder(builder: ComponentBuilder) -> None:
    """Describe more bodies that embed blocks; idempotent, so that a repeated ready() adds nothing."""
    if builder not in EXTRA_COMPONENTS:
        EXTRA_COMPONENTS.append(builder)


def _serializer(view_cls, model, *, detail: bool):
    from cms.api.router import api_router

    serializer_class = view_cls._get_serializer_class(
        api_router, model, [("*", False, None)], show_details=detail
    )
    return serializer_class(context={})


def _object_schema(fields: FieldSchemas, view_cls, model, *, detail: bool, page_type: bool) -> dict:
    body, meta = fields.serializer_properties(_serializer(view_cls, model, detail=detail))
    if page_type and detail and getattr(view_cls, "personalise", None):
        meta["personalization"] = ref("PersonalizationMeta")
    properties = {"id": body.pop("id", {"type": "integer"}), "meta": obj(meta), **body}
    kind = "detail" if detail else "listing item"
    description = (
        f"A {model_label(model)} {kind}. Every field is present by default (listings: the listing "
        "defaults) and `fields` may add or remove any."
    )
    if page_type:
        properties["meta"]["required"] = ["type"]
        return obj(properties, required=["meta"], description=description)
    return obj(properties, description=description)


def build_components(auto_schema: AutoSchema) -> dict[str, dict]:
    """Every named schema: representations, blocks, and each endpoint's bodies."""
    from cms.api.router import api_router

    block_schemas = BlockSchemas()
    fields = FieldSchemas(auto_schema, block_schemas)
    components = dict(REPRESENTATIONS)
    components["TimeZone"] = TIME_ZONE
    done: set[type] = set()
    for view_cls in api_router._endpoints.values():
        model = view_cls.model
        if issubclass(view_cls, PagesAPIViewSet):
            if Page in done:
                continue
            done.add(Page)
            components.update(_page_components(fields, view_cls))
            continue
        if model in done:
            continue
        done.add(model)
        name = model.__name__
        components[f"{name}Detail"] = _object_schema(fields, view_cls, model, detail=True, page_type=False)
        components[f"{name}ListingItem"] = _object_schema(
            fields, view_cls, model, detail=False, page_type=False
        )
        components[f"{name}Listing"] = _listing(ref(f"{name}ListingItem"))
    for builder in EXTRA_COMPONENTS:
        components.update(builder(block_schemas))
    components.update(block_schemas.components)
    if block_schemas.unmapped:
        warn(f"blocks without a schema: {', '.join(block_schemas.unmapped)}")
    return components


def _listing(item: dict) -> dict:
    return obj(
        {"meta": ref("ListingMeta"), "items": {"type": "array", "items": item}},
        required=["meta", "items"],
        description="Wagtail API v2's listing envelope.",
    )


def _add_alternative(alternatives: dict[str, list[dict]], key: str, schema: dict) -> None:
    if schema not in alternatives.setdefault(key, []):
        alternatives[key].append(schema)


def _any_of(alternatives: dict[str, list[dict]]) -> dict[str, dict]:
    """One schema per property: itself, or anyOf the page types' different schemas of it."""
    return {
        key: schemas[0] if len(schemas) == 1 else {"anyOf": schemas} for key, schemas in alternatives.items()
    }


def _page_components(fields: FieldSchemas, view_cls) -> dict[str, dict]:
    components: dict[str, dict] = {}
    for detail, suffix in ((True, "Detail"), (False, "ListingItem")):
        variants = []
        union_properties: dict[str, list[dict]] = {}
        union_meta: dict[str, list[dict]] = {}
        for page_model in sorted(get_page_models(), key=model_label):
            name = f"{'Wagtail' if page_model is Page else ''}{page_model.__name__}{suffix}"
            schema = _object_schema(fields, view_cls, page_model, detail=detail, page_type=True)
            components[name] = schema
            variants.append(ref(name))
            for key, value in schema["properties"].items():
                if key == "meta":
                    for meta_key, meta_value in value["properties"].items():
                        if meta_key != "type":
                            _add_alternative(union_meta, meta_key, meta_value)
                else:
                    _add_alternative(union_properties, key, value)
        partial = f"UntypedPage{suffix}"
        components[partial] = obj(
            {
                **_any_of(union_properties),
                "meta": obj(_any_of(union_meta), **{"not": {"required": ["type"]}}),
            },
            description="A page whose `fields` left out `meta.type` (e.g. `fields=_,title`).",
        )
        variants.append(ref(partial))
        components[f"Page{suffix}"] = {
            "oneOf": variants,
            "description": "A page, typed by `meta.type`.",
        }
    components["PageListing"] = _listing(ref("PageListingItem"))
    return components

