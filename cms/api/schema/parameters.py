"""Query, path and header parameters of the delivery API's operations.

They come from what Wagtail itself knows: the view's `known_query_parameters`, its filter
backends and the model's database fields (Wagtail accepts any of them as a filter). Each
schema says what the API accepts, so that a value outside it is a 400.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from taggit.managers import TaggableManager
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
from wagtail.fields import StreamField
from wagtail.models import get_page_models

from cms.api.locales import LOCALE_DESCRIPTION
from cms.api.personalisers import personaliser
from cms.api.schema.json_schema import model_label, ref, string
from cms.api.views import DeliveryMixin

INT64_MAX = 2**63 - 1

# Request parameters: what the API accepts, which is not the column's range (an id up to 2**63 - 1
# is looked up and not found; beyond that, or an integer filter beyond 64 bits, is a 400).
ID = {"type": "integer", "format": "int64", "minimum": 0, "maximum": INT64_MAX}
INTEGER = {"type": "integer", "format": "int64", "minimum": -INT64_MAX, "maximum": INT64_MAX}
# Every query value: the API refuses null characters (a 400) before anything reads them.
NO_NULL = "^[^\\u0000]*$"

# Wagtail\'s page filters, by backend: the parameter each reads.
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
    "`search_operator` is checked only with `search`; `child_of` excludes `descendant_of`; "
    "a page id in `child_of`, `descendant_of`, `ancestor_of` or "
    "`translation_of` must be a page this key may see."
)


def id_parameter(path: str) -> dict:
    """The path parameter of a detail URL (`{id}`), an int64 the API looks up."""
    name = re.search(r"\{(\w+)\}", path).group(1)
    return _parameter(
        name,
        ID,
        "The object's id.",
        location="path",
        required=True,
    )


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


def _extra_parameters(view_cls) -> list[dict]:
    """Parameters a subclass adds to Wagtail's own (e.g. a preview's content_type and token)."""
    stock = PagesAPIViewSet.known_query_parameters | BaseAPIViewSet.known_query_parameters
    return [
        _parameter(name, string(), f"`{name}`.")
        for name in sorted(set(view_cls.known_query_parameters) - stock)
    ]


def detail_parameters(view_cls, model) -> list[dict]:
    """A detail's query and header parameters (besides its id)."""
    return [
        _fields_parameter(view_cls, model, detail=True),
        *_extra_parameters(view_cls),
        *_visitor_parameters(view_cls),
        _if_none_match(),
    ]


def _visitor_parameters(view_cls) -> list[dict]:
    """The visitor context that a personalising endpoint reads (the registered personaliser's)."""
    if getattr(view_cls, "is_extra_parameter", None) is getattr(
        DeliveryMixin, "is_extra_parameter", None
    ):
        return []
    visitor = personaliser()
    if not visitor.context_parameters:
        return []
    parameters = []
    for name in sorted(visitor.context_parameters):
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
        headers = visitor.attribute_headers
        header = f" (or the `{headers[name]}` header)" if name in headers else ""
        if name == "tz":
            schema = ref("TimeZone")
        elif name in headers:
            schema = string(maxLength=visitor.max_value_length)  # longer is a 400
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


def _if_none_match() -> dict:
    return _parameter(
        "If-None-Match",
        string(),
        "ETags from earlier responses: 304 Not Modified while one is still current "
        "(weak comparison: `W/\"…\"` matches too).",
        location="header",
    )


def listing_parameters(view_cls, model, is_pages: bool) -> list[dict]:
    """A listing's parameters: pagination, `fields`, `type`, ordering, search, filters, visitor context."""
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
        _fields_parameter(view_cls, model, detail=False),
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
        parameters += _field_filter_parameters(view_cls, model, {p["name"] for p in parameters})
    parameters += _extra_parameters(view_cls)
    parameters += _visitor_parameters(view_cls)
    parameters.append(_if_none_match())
    return parameters


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


def find_parameters(view_cls, model, is_pages: bool) -> list[dict]:
    """Find's parameters: what identifies the object (pages: also its path on the site)."""
    parameters = []
    if is_pages:
        parameters.append(
            _parameter("html_path", string(), "The page's path on the site, e.g. `/guides/intro/`.")
        )
    parameters.append(_parameter("id", ID, "The object's id."))
    # Find checks no `fields`: it passes them on to the detail URL it redirects to.
    parameters.append(_parameter("fields", string(), "Passed on to the detail URL (see its `fields`)."))
    return parameters
