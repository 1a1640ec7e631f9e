"""JSON schemas of the fields that Wagtail's API serializers (and Tailor's own fields) produce."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from wagtail.api.v2 import serializers as wagtail_serializers
from wagtail.documents.api.v2.serializers import DocumentDownloadUrlField
from wagtail.images.api.v2.serializers import ImageDownloadUrlField

from cms.api import fields as cms_fields
from cms.api.schema.blocks import BlockSchemas
from cms.api.schema.json_schema import model_label, nullable, obj, ref, string


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
        """The schema of one serializer field of `model`, as the API renders it."""
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
        """A related object's (or child relation's) serializer, as an object schema."""
        body, meta = self.serializer_properties(serializer_class(context={}))
        properties = {**body}
        if meta:
            properties = {"id": body.pop("id", {"type": "integer"}), "meta": obj(meta), **body}
        return obj(properties)

