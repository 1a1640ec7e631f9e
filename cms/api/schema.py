"""OpenAPI 3 description of the delivery API, generated with drf-spectacular.

Wagtail's API v2 viewsets have no `serializer_class`: their serializers are built per
request from the model, the `type` and the `fields` parameter. So drf-spectacular's
AutoSchema cannot infer them, and `DeliveryApiSchema` (set on every delivery viewset
below, views untouched) describes each operation from what Wagtail itself knows:

- the endpoints are the router's (`cms.api.router.api_router`), so a new endpoint is
  described as soon as it is registered;
- query parameters come from the view's `known_query_parameters`, its filter backends
  and the model's database fields (Wagtail accepts any of them as a filter);
- bodies come from the serializer Wagtail builds with `fields=*`, field by field; page
  bodies are typed per page type (`oneOf` by `meta.type`);
- StreamField bodies are typed per block by walking the block definitions
  (`BlockSchemas`): StructBlock → object, ListBlock → array, StreamBlock → array of
  `{type, value, id}` (`oneOf` with a discriminator on `type`), text → string, chooser
  blocks → the representation they expand to. A block with its own API shape can say
  so with a `get_api_schema(self, block_schemas)` method returning a JSON schema.

Errors are RFC 9457 problem details (`Problem`), every endpoint needs a bearer key
(`ApiKey` security scheme), and `/api/schema/` and `/api/docs/` need none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from zoneinfo import available_timezones
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.drainage import warn
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from taggit.managers import TaggableManager
from wagtail import blocks
from wagtail.api.v2 import serializers as wagtail_serializers
from wagtail.api.v2.filters import (
    AncestorOfFilter,
    ChildOfFilter,
    DescendantOfFilter,
    FieldsFilter,
    LocaleFilter,
    OrderingFilter,
    SearchFilter,
    TranslationOfFilter,
)
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.documents.api.v2.serializers import DocumentDownloadUrlField
from wagtail.fields import StreamField
from wagtail.images.api.v2.serializers import ImageDownloadUrlField
from wagtail.models import Page, get_page_models

from cms.api import fields as cms_fields
from cms.api.auth import ApiKeyAuthentication
from cms.api.locales import LOCALE_DESCRIPTION
from cms.api.problems import PROBLEM_CONTENT_TYPE, TITLES
from cms.api.views import DeliveryMixin

SCHEMA = ResolvedComponent.SCHEMA
ERROR_STATUSES = (400, 401, 403, 404, 429)
INT64_MAX = 2**63 - 1


# --- small JSON-schema helpers ---------------------------------------------------------------------


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """`schema` or null (OpenAPI 3.0: a $ref cannot carry siblings, so it is wrapped in allOf)."""
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def string(description: str | None = None, **extra) -> dict:
    schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


def obj(properties: dict, required: list[str] | None = None, description: str | None = None, **extra) -> dict:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if description:
        schema["description"] = description
    schema.update(extra)
    return schema


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


def model_label(model) -> str:
    """Wagtail's `meta.type`: `app_label.ModelName`."""
    return f"{model._meta.app_label}.{model.__name__}"


# Request parameters: what the API accepts, which is not the column's range (an id up to 2**63 - 1
# is looked up and not found; beyond that, or an integer filter beyond 64 bits, is a 400).
ID = {"type": "integer", "format": "int64", "minimum": 0, "maximum": INT64_MAX}
INTEGER = {"type": "integer", "format": "int64", "minimum": -INT64_MAX, "maximum": INT64_MAX}
# Every query value: the API refuses null characters (a 400) before anything reads them.
NO_NULL = "^[^\\u0000]*$"


# --- representations that blocks and fields expand to (cms.api.representations) -----------------

TIME_ZONE = string("An IANA time zone name (`tz`); any other value is a 400.", enum=sorted(available_timezones()))

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
PROBLEM = obj(
    {
        "type": string("A URI reference naming the problem type."),
        "title": string("Short summary of the problem type."),
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": string("What went wrong with this request."),
        "message": string("The same text as `detail`, where Wagtail API v2 clients read it."),
        "parameter": string("The query parameter at fault, for validation errors."),
    },
    required=["type", "title", "status", "detail", "message"],
    description="RFC 9457 problem details, with Wagtail's `message` beside `detail`.",
)
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
        "explain": {
            "type": "array",
            "items": {"type": "object"},
            "description": "With `explain=1`: which conditions decided each segment.",
        },
    },
    description="How this page was personalised for the visitor (page detail only).",
)

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


# --- responses of every API view on channel keys ---------------------------------------------------

RATE_LIMIT_HEADERS = {
    name: {"schema": {"type": "integer"}, "description": description}
    for name, description in (
        ("RateLimit-Limit", "Requests allowed per window for this key."),
        ("RateLimit-Remaining", "Requests left in this window."),
        ("RateLimit-Reset", "Seconds until the window resets."),
    )
}


def problem_responses(statuses) -> dict[str, dict]:
    """Problem-details responses for these statuses, with the headers a 401 and a 429 carry."""
    responses = {}
    for status in statuses:
        headers = {}
        if status == 401:
            headers["WWW-Authenticate"] = {"schema": string(), "description": '`Bearer realm="tailor"`.'}
        if status == 429:
            headers["Retry-After"] = {"schema": {"type": "integer"}, "description": "Seconds to wait."}
            headers.update(RATE_LIMIT_HEADERS)
        responses[str(status)] = {
            "description": TITLES[status],
            **({"headers": headers} if headers else {}),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": ref("Problem")}},
        }
    return responses


# --- StreamField blocks ----------------------------------------------------------------------------


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


def _personalised_block(block, block_schemas: BlockSchemas) -> dict:
    return resolved_slot(
        block_schemas.value(block.child_blocks["default"], path="personalised.content"),
        "A personalised slot, resolved for this visitor and channel.",
    )


# Blocks whose API representation is Tailor's own, by class path (matched along the MRO).
# A block can instead define `get_api_schema(self, block_schemas) -> dict` beside its
# `get_api_representation`. A block that overrides get_api_representation without either
# is reported as unmapped (and tests/cms/api/test_schema.py fails).
CUSTOM_BLOCKS: dict[str, Callable[[blocks.Block, BlockSchemas], dict]] = {
    "cms.blocks.ChannelImageChooserBlock": lambda b, s: nullable(ref("Image")),
    "cms.blocks.CallToActionChooserBlock": lambda b, s: nullable(ref("CallToAction")),
    "cms.blocks.PromoChooserBlock": lambda b, s: nullable(ref("Promo")),
    "cms.blocks.ApiRichTextBlock": lambda b, s: string(
        "Rich text as HTML; internal links carry the page's URL and API URL, links to pages the channel "
        "may not see are emptied."
    ),
    "cms.blocks.PersonalisedBlock": _personalised_block,
}

# Wagtail's leaf blocks by class (first match along the MRO wins).
LEAF_BLOCKS: dict[type, Callable[[blocks.Block], dict]] = {
    blocks.RichTextBlock: lambda b: string("Rich text in Wagtail's database HTML."),
    blocks.RawHTMLBlock: lambda b: string("HTML."),
    blocks.BlockQuoteBlock: lambda b: string(),
    blocks.URLBlock: lambda b: string("A URL, or an empty string."),
    blocks.EmailBlock: lambda b: string(),
    blocks.RegexBlock: lambda b: string(),
    blocks.CharBlock: lambda b: string(),
    blocks.TextBlock: lambda b: string(),
    blocks.BooleanBlock: lambda b: {"type": "boolean"},
    blocks.IntegerBlock: lambda b: nullable({"type": "integer"}),
    blocks.FloatBlock: lambda b: nullable({"type": "number"}),
    blocks.DecimalBlock: lambda b: nullable({"type": "number"}),
    blocks.DateBlock: lambda b: nullable(string(format="date")),
    blocks.DateTimeBlock: lambda b: nullable(string(format="date-time")),
    blocks.TimeBlock: lambda b: nullable(string()),
    blocks.MultipleChoiceBlock: lambda b: {"type": "array", "items": string()},
    blocks.ChoiceBlock: lambda b: string(),
    blocks.StaticBlock: lambda b: {"type": "object", "nullable": True, "description": "Always null."},
    blocks.ChooserBlock: lambda b: nullable({"type": "integer", "description": "The chosen object's id."}),
}


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _custom_representation(block: blocks.Block) -> type | None:
    """The non-Wagtail class that overrides get_api_representation for this block, if any."""
    for cls in type(block).__mro__:
        if "get_api_representation" in vars(cls):
            return None if cls.__module__.startswith("wagtail.") else cls
    return None


class BlockSchemas:
    """JSON schemas of StreamField API values, generated by walking block definitions.

    `components` collects named schemas: one `<Name>Block` per stream child type
    (`{type, value, id}`) and one `<StructBlockClass>Value` per StructBlock subclass.
    """

    def __init__(self) -> None:
        self.components: dict[str, dict] = {}
        self.unmapped: list[str] = []

    def stream(self, stream_block: blocks.StreamBlock, owner: str = "") -> dict:
        """An array of `{type, value, id}`, one `oneOf` member per child block type."""
        refs, mapping = [], {}
        for name, child in stream_block.child_blocks.items():
            component = self._register(
                f"{camel(name)}Block",
                obj(
                    {
                        "type": string(enum=[name]),
                        "value": self.value(child, path=f"{owner}.{name}"),
                        "id": nullable(
                            string("The block's stable id (a UUID); null in content stored without one.")
                        ),
                    },
                    required=["type", "value", "id"],
                    description=f"A `{name}` block ({type(child).__name__}).",
                ),
                owner=owner,
            )
            refs.append(ref(component))
            mapping[name] = ref(component)["$ref"]
        if not refs:
            return {"type": "array", "items": {}, "maxItems": 0}
        return {
            "type": "array",
            "items": {"oneOf": refs, "discriminator": {"propertyName": "type", "mapping": mapping}},
        }

    def value(self, block: blocks.Block, path: str = "") -> dict:
        """The schema of `block.get_api_representation(value)` in the delivery API."""
        custom = getattr(block, "get_api_schema", None)
        if callable(custom):
            return custom(self)
        for cls in type(block).__mro__:
            if _class_path(cls) in CUSTOM_BLOCKS:
                return CUSTOM_BLOCKS[_class_path(cls)](block, self)
        overrider = _custom_representation(block)
        if overrider is not None:
            self.unmapped.append(
                f"{path or block.name}: {_class_path(overrider)} has its own get_api_representation"
            )
            return {"description": f"Undescribed block type {type(block).__name__}."}
        if isinstance(block, blocks.StreamBlock):
            return self.stream(block, owner=path)
        if isinstance(block, blocks.ListBlock):
            return {"type": "array", "items": self.value(block.child_block, path=f"{path}[]")}
        if isinstance(block, blocks.StructBlock):
            schema = obj(
                {
                    name: self.value(child, path=f"{path}.{name}")
                    for name, child in block.child_blocks.items()
                },
                required=list(block.child_blocks),
            )
            if type(block) in (blocks.StructBlock,):
                return schema
            schema["description"] = f"{type(block).__name__}'s fields."
            return ref(self._register(f"{type(block).__name__}Value", schema, owner=path))
        for cls in type(block).__mro__:
            if cls in LEAF_BLOCKS:
                return LEAF_BLOCKS[cls](block)
        self.unmapped.append(f"{path or block.name}: {_class_path(type(block))}")
        return {"description": f"Undescribed block type {type(block).__name__}."}

    def _register(self, name: str, schema: dict, owner: str) -> str:
        """Register `schema` as `name`; a different schema under a taken name gets a prefix."""
        if self.components.get(name, schema) != schema:
            name = f"{camel(owner.split('.')[0] or 'Other')}{name}"
            while self.components.get(name, schema) != schema:
                name = f"{name}2"
        self.components[name] = schema
        return name


# --- fields of Wagtail's serializers ---------------------------------------------------------------


class FieldSchemas:
    """JSON schemas of the fields that Wagtail's API serializers produce."""

    def __init__(self, auto_schema: AutoSchema, block_schemas: BlockSchemas) -> None:
        self.auto_schema = auto_schema
        self.block_schemas = block_schemas

    def serializer_properties(self, serializer) -> tuple[dict, dict]:
        """(body properties, meta properties) of a Wagtail serializer instance."""
        body, meta = {}, {}
        model = serializer.Meta.model
        for name, field in serializer.fields.items():
            target = meta if name in serializer.meta_fields else body
            target[name] = self.field(field, model, name)
        return body, meta

    def field(self, field, model, name: str) -> dict:
        ws, cf = wagtail_serializers, cms_fields
        if isinstance(field, (ws.TypeField, ws.PageTypeField)):
            return string("The object's type, `app_label.ModelName`.", enum=[model_label(model)])
        if isinstance(field, ws.DetailUrlField):
            return string("This object's detail URL in the API.", format="uri")
        if isinstance(field, ws.PageHtmlUrlField):
            return nullable(string("The page's URL on its site.", format="uri"))
        if isinstance(field, ws.PageLocaleField):
            return string("The page's language code.")
        if isinstance(field, (ws.PageParentField, ws.PageAliasOfField)):
            return nullable(ref("PageSummary"))
        if isinstance(field, ws.StreamField):
            stream_block = model._meta.get_field(field.source).stream_block
            return self.block_schemas.stream(stream_block, owner=f"{model.__name__}.{name}")
        if isinstance(field, ws.TagsField):
            return {"type": "array", "items": string(), "description": "Tag names, in alphabetical order."}
        if isinstance(field, ws.ChildRelationField):
            return {"type": "array", "items": self.nested(field.serializer_class)}
        if isinstance(field, ws.RelatedField):
            return nullable(self.nested(field.serializer_class))
        if isinstance(field, cf.ChannelOverridableField):
            return string("The channel's override when it has one, else the page's own value.")
        if isinstance(field, cf.ChannelImageField):
            return nullable(ref("Image"))
        if isinstance(field, cf.RenditionsField):
            return nullable(ref("Renditions"))
        if isinstance(field, cf.AuthorsField):
            return {"type": "array", "items": ref("Author")}
        if isinstance(field, cf.LinkUrlField):
            return string("The linked page's URL when the channel may see it, else the external URL.")
        if isinstance(field, cf.RichTextHtmlField):
            return string("Rich text as HTML.")
        if isinstance(field, ImageDownloadUrlField):
            return string("The original file's URL, relative to the site.")
        if isinstance(field, DocumentDownloadUrlField):
            return string("The document's absolute download URL.", format="uri")
        schema = self.auto_schema._map_serializer_field(field, "response")
        schema.pop("readOnly", None)
        return schema

    def nested(self, serializer_class) -> dict:
        body, meta = self.serializer_properties(serializer_class(context={}))
        properties = {**body}
        if meta:
            properties = {"id": body.pop("id", {"type": "integer"}), "meta": obj(meta), **body}
        return obj(properties)


# --- the operations ---------------------------------------------------------------------------------

PAGE_FILTER_PARAMETERS = {
    ChildOfFilter: ("child_of", "Only the children of this page id (or `root`, the site's root page)."),
    DescendantOfFilter: ("descendant_of", "Only descendants of this page id (or `root`)."),
    AncestorOfFilter: ("ancestor_of", "Only ancestors of this page id."),
    TranslationOfFilter: ("translation_of", "Only translations of this page id (or `root`)."),
}


def _parameter(name: str, schema: dict, description: str, location: str = "query", **extra) -> dict:
    if location == "query":
        schema = _without_nulls(schema)
    return {"name": name, "in": location, "schema": schema, "description": description, **extra}


def _without_nulls(schema: dict) -> dict:
    """A query parameter's schema, its free strings refusing null characters as the API does."""
    if schema.get("type") == "string" and not {"pattern", "enum", "format"} & schema.keys():
        return {**schema, "pattern": NO_NULL}
    if schema.get("type") == "array":
        return {**schema, "items": _without_nulls(schema["items"])}
    if "oneOf" in schema:
        return {**schema, "oneOf": [_without_nulls(option) for option in schema["oneOf"]]}
    return schema


def _one_of_names(names) -> str:
    return "(?:" + "|".join(re.escape(name) for name in sorted(set(names), key=lambda n: (-len(n), n))) + ")"


def fields_pattern(names) -> str:
    """Wagtail's `fields` grammar over `names`, without nesting: names and `-name`s; `*` then only
    `-name`s; `_` then only names; or empty. What it does not match is a 400."""
    name = _one_of_names(names)
    return f"^(?:-?{name}(?:,-?{name})*|\\*(?:,-{name})*|_(?:,{name})*)?$"


def order_pattern(names) -> str:
    """`random` alone, or fields with an optional `-`, comma-separated; or empty."""
    name = _one_of_names(names)
    return f"^(?:random|-?{name}(?:,-?{name})*)?$"


def _comma_separated(items: dict, description: str, name: str) -> dict:
    return _parameter(name, {"type": "array", "items": items}, description, style="form", explode=False)


def _orderable_fields(view_cls, model) -> list[str]:
    """Database fields worth ordering by: columns, not relations to many or StreamField JSON."""
    names = []
    for name in view_cls.get_available_fields(model, db_fields_only=True):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.concrete and not field.many_to_many and not isinstance(field, StreamField):
            names.append(name)
    return names


# Rules between parameters, which OpenAPI 3.0 cannot state: a request that breaks one is a 400
# naming the parameter, in Wagtail's words.
DEPENDENT_PARAMETERS = (
    "Parameters that depend on each other (a 400 otherwise): `order=random` takes no `offset` and no "
    "other field; with `search`, no `tags`, and only fields the search index holds filter or order "
    "(the 400 names any other); "
    "`search_operator` is checked only with `search`; `child_of` excludes `descendant_of`; a page id in `child_of`, `descendant_of`, `ancestor_of` or "
    "`translation_of` must be a page this key may see."
)


class DeliveryApiSchema(AutoSchema):
    """Describes a Wagtail API v2 viewset's listing, detail and find operations."""

    ACTIONS: ClassVar[dict[str, str]] = {
        "listing_view": "list",
        "detail_view": "retrieve",
        "find_view": "find",
    }

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        self.registry, self.path, self.path_regex, self.path_prefix = registry, path, path_regex, path_prefix
        self.method = method.upper()
        action = getattr(self.view, "action", None)
        if self.method != "GET" or action not in self.ACTIONS:
            return super().get_operation(path, path_regex, path_prefix, method, registry)
        self._register_components()
        endpoint = self._endpoint_name()
        view_cls = type(self.view)
        model = view_cls.model
        is_pages = issubclass(view_cls, PagesAPIViewSet)
        noun = "pages" if is_pages else endpoint
        operation: dict[str, Any] = {
            "operationId": f"{camel(endpoint)[:1].lower()}{camel(endpoint)[1:]}{camel(self.ACTIONS[action])}",
            "tags": [endpoint],
            "security": [{"ApiKey": []}],
        }
        if action == "listing_view" and getattr(view_cls, "listing_is_detail", False):
            operation["summary"] = "The draft page a preview token stands for"
            operation["description"] = (
                "wagtail-headless-preview's form of `page_preview/{id}/`: the same draft, never cached."
            )
            operation["parameters"] = self._detail_parameters(view_cls, model)
            operation["responses"] = self._responses(200, ref("PageDetail"))
        elif action == "listing_view":
            operation["summary"] = f"List {noun}"
            operation["description"] = (
                f"The {noun} this key's channel may see, as Wagtail API v2 lists them: "
                "`{meta: {total_count}, items}`, paginated with `limit` and `offset`.\n\n"
                + DEPENDENT_PARAMETERS
            )
            operation["parameters"] = self._listing_parameters(view_cls, model, is_pages)
            body = ref("PageListing" if is_pages else f"{model.__name__}Listing")
            operation["responses"] = self._responses(200, body, conditional=True)
        elif action == "detail_view":
            operation["summary"] = f"One of the {noun}"
            operation["description"] = (
                "One object, with every field by default (`fields` narrows or widens it)."
                + (" The body's fields depend on the page type, given in `meta.type`." if is_pages else "")
            )
            operation["parameters"] = [self._id_parameter(model), *self._detail_parameters(view_cls, model)]
            body = ref("PageDetail" if is_pages else f"{model.__name__}Detail")
            operation["responses"] = self._responses(200, body, conditional=True)
        else:
            operation["summary"] = f"Find one of the {noun}"
            operation["description"] = (
                "Redirects (302) to the detail URL of the object found, keeping the other query "
                "parameters; 404 when there is none."
                + (" Pages are found by `html_path` (their path on the site) or `id`." if is_pages else "")
            )
            operation["parameters"] = self._find_parameters(view_cls, model, is_pages)
            operation["responses"] = self._responses(302)
        return operation

    # --- parameters -------------------------------------------------------------------------------

    def _endpoint_name(self) -> str:
        path = self.path.removeprefix("/api/v2/")
        path = re.sub(r"(\{\w+\}/|find/)$", "", path)
        return path.strip("/")

    def _id_parameter(self, model) -> dict:
        name = re.search(r"\{(\w+)\}", self.path).group(1)
        return _parameter(
            name,
            ID,
            "The object's id.",
            location="path",
            required=True,
        )

    @staticmethod
    def _fields_parameter(view_cls, model, detail: bool) -> dict:
        names = view_cls.get_available_fields(model)
        if not detail:
            names = [name for name in names if name not in view_cls.detail_only_fields]
        return _parameter(
            "fields",
            string(pattern=fields_pattern(names)),
            "Wagtail's fields grammar: comma-separated names; `*` all fields, `_` none, `-name` "
            "removes one, `relation(a,b)` nests"
            + (", `parent` is available here." if detail else "; `parent` is detail-only.")
            + f" At most {settings.API_FIELDS_MAX_DEPTH} levels of nesting. The pattern lists the "
            "fields of every object here; nesting, and on pages the fields of the one `type` "
            "asked for, are accepted beyond it.",
        )

    @staticmethod
    def _extra_parameters(view_cls) -> list[dict]:
        """Parameters a subclass adds to Wagtail's own (e.g. a preview's content_type and token)."""
        stock = PagesAPIViewSet.known_query_parameters | BaseAPIViewSet.known_query_parameters
        return [
            _parameter(name, string(), f"`{name}`.")
            for name in sorted(set(view_cls.known_query_parameters) - stock)
        ]

    def _detail_parameters(self, view_cls, model) -> list[dict]:
        return [
            self._fields_parameter(view_cls, model, detail=True),
            *self._extra_parameters(view_cls),
            *self._visitor_parameters(view_cls),
            self._if_none_match(),
        ]

    @staticmethod
    def _visitor_parameters(view_cls) -> list[dict]:
        """The visitor context that a personalising endpoint reads (personalization.request_context)."""
        if getattr(view_cls, "is_extra_parameter", None) is getattr(
            DeliveryMixin, "is_extra_parameter", None
        ):
            return []
        try:
            from personalization.request_context import ATTRIBUTES, CONTEXT_PARAMETERS, MAX_VALUE_LENGTH
        except ImportError:
            return []
        parameters = []
        for name in sorted(CONTEXT_PARAMETERS):
            if name == "explain":
                parameters.append(
                    _parameter(
                        name,
                        string(),
                        "`1` or `true`: `meta.personalization.explain` says which conditions decided; "
                        "the response is then neither cached nor cacheable.",
                    )
                )
                continue
            header = f" (or the `{ATTRIBUTES[name]}` header)" if name in ATTRIBUTES else ""
            if name == "tz":
                schema = ref("TimeZone")
            elif name in ATTRIBUTES:
                schema = string(maxLength=MAX_VALUE_LENGTH)  # longer is a 400
            else:
                schema = string()  # UTM values are cut to MAX_VALUE_LENGTH; `simulate` is a token
            parameters.append(
                _parameter(
                    name,
                    schema,
                    f"Visitor context: `{name}`{header}. Free traits go in `ctx.<name>=<value>` "
                    "parameters, which are accepted too.",
                )
            )
        parameters.append(
            _parameter(
                "X-Visitor-Id",
                string(),
                "A stable anonymous visitor id that the frontend keeps; it links the stored profile.",
                location="header",
            )
        )
        return parameters

    @staticmethod
    def _if_none_match() -> dict:
        return _parameter(
            "If-None-Match",
            string(),
            "ETags from earlier responses: 304 Not Modified while one is still current "
            "(weak comparison: `W/\"…\"` matches too).",
            location="header",
        )

    def _listing_parameters(self, view_cls, model, is_pages: bool) -> list[dict]:
        backends = set(view_cls.filter_backends)
        page_models = get_page_models() if is_pages else [model]
        parameters = [
            _parameter(
                "limit",
                {"type": "integer", "minimum": 0, "maximum": settings.API_LIMIT_MAX, "default": 20},
                f"Page size: at most {settings.API_LIMIT_MAX} (400 above).",
            ),
            _parameter(
                "offset",
                {"type": "integer", "minimum": 0, "maximum": settings.API_OFFSET_MAX, "default": 0},
                f"Items to skip: at most {settings.API_OFFSET_MAX} (400 above).",
            ),
            self._fields_parameter(view_cls, model, detail=False),
        ]
        if is_pages:
            parameters.append(
                _comma_separated(
                    string(enum=sorted(model_label(m) for m in page_models)),
                    "Only pages of these types (comma-separated). With one type, that type's own "
                    "fields may be listed in `fields`, filtered on and ordered by.",
                    "type",
                )
            )
        if OrderingFilter in backends:
            # The fields of the endpoint's model (pages: of every page); a type's own need `type`.
            orderable = _orderable_fields(view_cls, model)
            parameters.append(
                _parameter(
                    "order",
                    string(pattern=order_pattern(orderable)),
                    "Sort by these fields (comma-separated, `-` for descending), or `random` (alone, "
                    "without `offset`). A type's own fields need `type` naming that one type.",
                )
            )
        if SearchFilter in backends:
            parameters += [
                _parameter(
                    "search", string(), "Full-text search; results are ordered by relevance unless `order`."
                ),
                _parameter(
                    "search_operator",
                    string(pattern="^(?:[aA][nN][dD]|[oO][rR])$"),
                    "How the search terms combine: `and` or `or`, in any case (default `or`). Without "
                    "`search` it is ignored, as in Wagtail.",
                ),
            ]
        for backend, (name, description) in PAGE_FILTER_PARAMETERS.items():
            if backend in backends:
                schema: dict = ID
                if backend is not AncestorOfFilter:
                    schema = {"oneOf": [schema, string(enum=["root"])]}
                parameters.append(_parameter(name, schema, description))
        if any(issubclass(backend, LocaleFilter) for backend in backends):
            parameters.append(_parameter("locale", string(), LOCALE_DESCRIPTION))
        if "site" in view_cls.known_query_parameters:
            parameters.append(
                _parameter(
                    "site", string(), "The site's hostname (`host` or `host:port`); default: the request's."
                )
            )
        if any(issubclass(backend, FieldsFilter) for backend in backends):
            parameters += self._field_filter_parameters(view_cls, model, {p["name"] for p in parameters})
        parameters += self._extra_parameters(view_cls)
        parameters += self._visitor_parameters(view_cls)
        parameters.append(self._if_none_match())
        return parameters

    @staticmethod
    def _field_filter_parameters(view_cls, model, taken: set[str]) -> list[dict]:
        """Wagtail filters on any database field the endpoint exposes: `?slug=about`."""
        parameters = []
        for name in view_cls.get_available_fields(model, db_fields_only=True):
            if name in taken or name == "locale":
                continue
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.auto_created and not field.concrete:
                continue  # a reverse relation that shares an API field's name (images' `renditions`)
            if isinstance(field, models.BooleanField):
                schema = {"type": "boolean"}
            elif (
                isinstance(field, (models.AutoField, models.BigAutoField))
                or field.is_relation
                and not isinstance(field, TaggableManager)
            ):
                schema = INTEGER  # an exact match: a negative id matches nothing, as in Wagtail
            elif isinstance(field, models.IntegerField):
                schema = INTEGER
            elif isinstance(field, TaggableManager):
                schema = string()
            elif isinstance(field, models.DateTimeField):
                schema = string(format="date-time")
            elif isinstance(field, models.DateField):
                schema = string(format="date")
            else:
                schema = string()
            description = "Exact match on this field."
            if isinstance(field, TaggableManager):
                description = "Only objects with all of these tags (comma-separated)."
            parameters.append(_parameter(name, schema, description))
        return parameters

    def _find_parameters(self, view_cls, model, is_pages: bool) -> list[dict]:
        parameters = []
        if is_pages:
            parameters.append(
                _parameter("html_path", string(), "The page's path on the site, e.g. `/guides/intro/`.")
            )
        parameters.append(_parameter("id", ID, "The object's id."))
        # Find checks no `fields`: it passes them on to the detail URL it redirects to.
        parameters.append(_parameter("fields", string(), "Passed on to the detail URL (see its `fields`)."))
        return parameters

    # --- responses --------------------------------------------------------------------------------

    @staticmethod
    def _responses(success: int, body: dict | None = None, conditional: bool = False) -> dict:
        responses: dict[str, dict] = {}
        if success == 200:
            responses["200"] = {
                "description": "OK",
                "headers": {
                    "ETag": {"schema": string(), "description": "A strong ETag of this body."},
                    "Cache-Control": {"schema": string(), "description": "The channel's caching policy."},
                    "Tailor-Segments-Digest": {
                        "schema": string(),
                        "description": "For a personalised body: the digest of the segments it depends on.",
                    },
                    **RATE_LIMIT_HEADERS,
                },
                "content": {"application/json": {"schema": body}},
            }
        else:
            responses["302"] = {
                "description": "Found: the object's detail URL, on the caller's own origin.",
                "headers": {
                    "Location": {"schema": string(), "required": True, "description": "The detail URL."},
                    **RATE_LIMIT_HEADERS,
                },
            }
        if conditional:
            responses["304"] = {
                "description": "Not Modified: `If-None-Match` names the current ETag.",
                "headers": {"ETag": {"schema": string()}},
            }
        responses.update(problem_responses(ERROR_STATUSES))
        return responses

    # --- components -------------------------------------------------------------------------------

    def _register_components(self) -> None:
        marker = ResolvedComponent("Problem", SCHEMA, object="Problem")
        if marker in self.registry:
            return
        for name, schema in build_components(self).items():
            self.registry.register_on_missing(ResolvedComponent(name, SCHEMA, schema=schema, object=name))
        self.registry.register_on_missing(
            ResolvedComponent(
                "ApiKey",
                ResolvedComponent.SECURITY_SCHEMA,
                object=ApiKeyAuthentication,
                schema=API_KEY_SCHEME,
            )
        )


API_KEY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A channel's API key: `Authorization: Bearer <key>` (never in the query string).",
}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Any other API view that uses the channel keys gets the same `ApiKey` security scheme."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return API_KEY_SCHEME


def _serializer(view_cls, model, *, detail: bool):
    from cms.api.router import api_router

    serializer_class = view_cls._get_serializer_class(
        api_router, model, [("*", False, None)], show_details=detail
    )
    return serializer_class(context={})


def _object_schema(fields: FieldSchemas, view_cls, model, *, detail: bool, page_type: bool) -> dict:
    body, meta = fields.serializer_properties(_serializer(view_cls, model, detail=detail))
    if page_type and detail and hasattr(view_cls, "personalization"):
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


# Bodies of API views outside Wagtail's router that embed StreamField values (the decide endpoint's
# placements): they are walked with the same BlockSchemas as the pages, so a block type has one component.
EXTRA_COMPONENTS: list[Callable[[BlockSchemas], dict[str, dict]]] = []


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


# --- wiring -----------------------------------------------------------------------------------------

# Every delivery viewset (and any added later on DeliveryMixin) is described by DeliveryApiSchema.
DeliveryMixin.schema = DeliveryApiSchema()


def delivery_endpoints_only(endpoints):
    """SPECTACULAR_SETTINGS PREPROCESSING_HOOKS: the schema covers /api/, not the admin's own API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


schema_view = SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny])
docs_view = SpectacularSwaggerView.as_view(
    url_name="api-schema", authentication_classes=[], permission_classes=[AllowAny]
)
