"""The OpenAPI schema (cms/api/schema/): valid, complete, typed per block, served without a key."""

import json
from urllib.parse import urlencode

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from wagtail import blocks
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.fields import StreamField
from wagtail.models import Page, get_page_models

from cms.api.router import api_router
from cms.api.schema import BlockSchemas, camel
from cms.blocks import campaign_blocks, content_blocks
from personalization.api.views import MAX_PLACEMENTS, ContextSerializer, DecideView
from personalization.request_context import MAX_VALUE_LENGTH

BLOCK_SETS = {"content_blocks": content_blocks, "campaign_blocks": campaign_blocks}
DECIDE = "/api/v2/personalize/decide/"


@pytest.fixture(scope="module")
def generated():
    """The schema and the generator's warnings and errors about it."""
    schema = SchemaGenerator().get_schema(public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    return schema, messages


@pytest.fixture(scope="module")
def schema(generated):
    return generated[0]


def component(schema, name: str) -> dict:
    return schema["components"]["schemas"][name]


def resolve(schema, node: dict) -> dict:
    """Follow a $ref (also one wrapped in a nullable allOf)."""
    if "allOf" in node and len(node["allOf"]) == 1:
        node = node["allOf"][0]
    if "$ref" in node:
        return component(schema, node["$ref"].rsplit("/", 1)[1])
    return node


def test_schema_is_valid_openapi_3(generated):
    schema, messages = generated
    validate_schema(schema)  # drf-spectacular's check against the OpenAPI 3.0 JSON schema
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    delivery_views = {f"[{view_cls.__name__}]" for view_cls in [*api_router._endpoints.values(), DecideView]}
    about_delivery = [
        m for m in messages if any(name in m for name in delivery_views) or "without a schema" in m
    ]
    assert about_delivery == [], "drf-spectacular warned about the delivery API's schema"


def test_every_registered_endpoint_is_described(schema):
    for name, view_cls in api_router._endpoints.items():
        for path, success in (
            (f"/api/v2/{name}/", "200"),
            (f"/api/v2/{name}/{{id}}/", "200"),
            (f"/api/v2/{name}/find/", "302"),
        ):
            operation = schema["paths"][path]["get"]
            assert operation["security"] == [{"ApiKey": []}], path
            assert {success, "400", "401", "403", "404", "429"} <= set(operation["responses"]), path
            for status in ("400", "401", "403", "404", "429"):
                content = operation["responses"][status]["content"]
                assert content == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }
        find = schema["paths"][f"/api/v2/{name}/find/"]["get"]
        assert find["responses"]["302"]["headers"]["Location"]["required"] is True
        listing = schema["paths"][f"/api/v2/{name}/"]["get"]
        body = resolve(schema, listing["responses"]["200"]["content"]["application/json"]["schema"])
        if getattr(view_cls, "listing_is_detail", False):  # preview/?token=…: one draft page
            assert body == resolve(schema, {"$ref": "#/components/schemas/PageDetail"})
            continue
        assert body["required"] == ["meta", "items"]
        assert body["properties"]["meta"] == {"$ref": "#/components/schemas/ListingMeta"}
        parameters = {p["name"]: p for p in listing["parameters"]}
        assert {"limit", "offset", "fields"} <= set(parameters)
        if issubclass(view_cls, PagesAPIViewSet):
            stock = PagesAPIViewSet.known_query_parameters - {"_", "format"}
            assert stock <= set(parameters), stock - set(parameters)


def test_pages_listing_parameters_are_typed(schema, settings):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v2/pages/"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["maximum"] == settings.API_LIMIT_MAX
    assert parameters["type"]["schema"]["items"]["enum"] == sorted(
        f"{m._meta.app_label}.{m.__name__}" for m in get_page_models()
    )
    assert (parameters["type"]["style"], parameters["type"]["explode"]) == ("form", False)  # comma-separated
    assert parameters["show_in_menus"]["schema"] == {"type": "boolean"}
    assert parameters["search_operator"]["schema"]["pattern"] == "^(?:[aA][nN][dD]|[oO][rR])$"
    assert parameters["order"]["schema"]["pattern"].startswith("^(?:random|")


# What schemathesis found the schema did not say: each value is schema-valid exactly when the API
# takes it (a request in the schema must not be a 400, one outside it must not be a 200).
PARAMETER_VALUES = [
    ("order", "random", True),
    ("order", "-title,id", True),
    ("order", "", True),
    ("order", "random,id", False),  # random alone
    ("order", "publish_date", False),  # an ArticlePage field: needs type=cms.ArticlePage
    ("fields", "-title", True),
    ("fields", "*,-title", True),
    ("fields", "_,title,slug", True),
    ("fields", "*,title", False),
    ("fields", "_,-title", False),
    ("fields", "title slug", False),
    ("fields", "nope", False),
    ("search", "a\x00", False),
    ("title", "\x00", False),
    ("id", 2**63 - 1, True),
    ("id", 2**63, False),
    ("tz", "Europe/Paris", True),
    ("tz", "Mars/Olympus", False),
    ("country", "x" * 201, False),
    ("utm_term", "x" * 300, True),  # cut to 200 characters, not refused
    ("search_operator", "AND", True),  # any case, as in Wagtail
]


@pytest.mark.parametrize(("name", "value", "valid"), PARAMETER_VALUES)
def test_the_schema_accepts_a_parameter_value_exactly_when_the_api_does(
    schema, home, web_key, api_get, name, value, valid
):
    import jsonschema

    parameters = {p["name"]: p for p in schema["paths"]["/api/v2/pages/"]["get"]["parameters"]}
    # Query values arrive as text: an integer parameter is checked as the integer the text spells.
    document = {"allOf": [parameters[name]["schema"]], "components": schema["components"]}
    errors = list(jsonschema.Draft4Validator(document).iter_errors(value))
    assert (not errors) is valid, errors

    response = api_get(f"/api/v2/pages/?{urlencode({name: value})}", web_key)
    assert response.status_code == (200 if valid else 400), response.content


def test_page_bodies_are_typed_per_page_type(schema):
    detail = schema["paths"]["/api/v2/pages/{id}/"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    variants = resolve(schema, detail)["oneOf"]
    by_type = {}
    for variant in variants:
        body = resolve(schema, variant)
        meta_type = body["properties"]["meta"]["properties"].get("type")
        if meta_type:
            by_type[meta_type["enum"][0]] = body
    assert set(by_type) == {f"{m._meta.app_label}.{m.__name__}" for m in get_page_models()}
    article = by_type["cms.ArticlePage"]
    assert {"id", "title", "summary", "hero_image", "publish_date", "authors", "tags", "body"} <= set(
        article["properties"]
    )
    assert {
        "type",
        "detail_url",
        "html_url",
        "slug",
        "first_published_at",
        "show_in_menus",
        "seo_title",
        "search_description",
        "alias_of",
        "parent",
        "locale",
    } <= set(article["properties"]["meta"]["properties"])
    listing_item = component(schema, "ArticlePageListingItem")
    assert "parent" not in listing_item["properties"]["meta"]["properties"]  # detail-only, as in Wagtail
    assert resolve(schema, article["properties"]["hero_image"]) == component(schema, "Image")


def _stream_fields():
    for model in get_page_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                yield model, field


@pytest.mark.parametrize(
    ("model", "field"), list(_stream_fields()), ids=lambda v: getattr(v, "__name__", getattr(v, "name", ""))
)
def test_every_stream_field_lists_each_of_its_block_types(schema, model, field):
    body = component(schema, f"{'Wagtail' if model is Page else ''}{model.__name__}Detail")["properties"][
        field.name
    ]
    assert body["type"] == "array"
    mapping = body["items"]["discriminator"]["mapping"]
    assert list(mapping) == list(field.stream_block.child_blocks)
    assert [item["$ref"] for item in body["items"]["oneOf"]] == list(mapping.values())


@pytest.mark.parametrize("block_set", BLOCK_SETS)
def test_every_block_type_has_a_schema(schema, block_set):
    """Walks the block definitions: each block type, and each of its children, has a typed schema."""
    definitions = BLOCK_SETS[block_set]()
    schemas = BlockSchemas()
    schemas.stream(blocks.StreamBlock(definitions))
    assert schemas.unmapped == [], "blocks without a schema: describe them in cms/api/schema/blocks.py"
    for name, block in definitions:
        wrapper = component(schema, f"{camel(name)}Block")
        assert wrapper["required"] == ["type", "value", "id"]
        assert wrapper["properties"]["type"]["enum"] == [name]
        _assert_typed(schema, block, wrapper["properties"]["value"], path=name)


def _assert_typed(schema, block, node, path):
    value = resolve(schema, node)
    assert value.get("type") or value.get("oneOf") or value.get("anyOf"), f"{path}: untyped ({value})"
    assert "Undescribed" not in json.dumps(value), path
    if isinstance(block, blocks.StructBlock) and set(value.get("properties", {})) == set(block.child_blocks):
        assert value["required"] == list(block.child_blocks), path
        for child_name, child in block.child_blocks.items():
            _assert_typed(schema, child, value["properties"][child_name], f"{path}.{child_name}")
    elif isinstance(block, blocks.ListBlock):
        assert value["type"] == "array", path
        _assert_typed(schema, block.child_block, value["items"], f"{path}[]")


def test_block_walk_maps_structure_and_flags_blocks_it_cannot_describe():
    class Shout(blocks.CharBlock):
        def get_api_representation(self, value, context=None):
            return {"loud": value.upper()}

    class Described(Shout):
        def get_api_schema(self, block_schemas):
            return {"type": "object", "properties": {"loud": {"type": "string"}}}

    schemas = BlockSchemas()
    stream = schemas.stream(
        blocks.StreamBlock(
            [
                (
                    "pair",
                    blocks.StructBlock(
                        [("left", blocks.IntegerBlock()), ("right", blocks.ListBlock(blocks.URLBlock()))]
                    ),
                ),
                ("inner", blocks.StreamBlock([("text", blocks.TextBlock())])),
                ("described", Described()),
                ("shout", Shout()),
            ]
        )
    )
    assert list(stream["items"]["discriminator"]["mapping"]) == ["pair", "inner", "described", "shout"]
    pair = schemas.components["PairBlock"]["properties"]["value"]
    assert pair["properties"]["left"] == {"type": "integer", "nullable": True}
    assert pair["properties"]["right"]["type"] == "array"
    assert schemas.components["InnerBlock"]["properties"]["value"]["items"]["oneOf"] == [
        {"$ref": "#/components/schemas/TextBlock"}
    ]
    assert schemas.components["DescribedBlock"]["properties"]["value"]["type"] == "object"
    assert len(schemas.unmapped) == 1 and "Shout has its own get_api_representation" in schemas.unmapped[0]


def test_decide_request_body_is_what_the_view_parses(schema):
    operation = schema["paths"][DECIDE]["post"]
    assert operation["security"] == [{"ApiKey": []}]
    assert operation["requestBody"]["required"] is True
    assert list(operation["requestBody"]["content"]) == ["application/json"]
    body = resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])
    assert body["required"] == ["placements"]
    assert body["properties"]["explain"]["type"] == "boolean"
    placements = body["properties"]["placements"]
    assert (placements["minItems"], placements["maxItems"]) == (1, MAX_PLACEMENTS)
    assert placements["items"] == {"type": "string", "maxLength": 64, "pattern": "^[-a-zA-Z0-9_]+$"}
    context = resolve(schema, body["properties"]["context"])
    assert set(context["properties"]) == set(ContextSerializer().fields)
    assert "required" not in context
    assert context["properties"]["device"]["maxLength"] == MAX_VALUE_LENGTH
    for traits in ("utm", "query", "ctx"):
        assert context["properties"][traits]["additionalProperties"]["maxLength"] == MAX_VALUE_LENGTH
    assert context["properties"]["consent"]["type"] == "array"


def test_decide_response_reuses_the_delivery_components(schema):
    responses = schema["paths"][DECIDE]["post"]["responses"]
    body = resolve(schema, responses["200"]["content"]["application/json"]["schema"])
    assert body["required"] == ["segments", "digest", "placements", "unknown_placements"]
    choice = resolve(schema, body["properties"]["placements"]["additionalProperties"])
    personalised_slot = component(schema, "PersonalisedBlock")["properties"]["value"]
    assert choice["properties"] == personalised_slot["properties"]  # the same blocks, by reference
    assert choice["required"] == ["slot", "variant", "reason", "content"]
    assert "Cache-Control" in responses["200"]["headers"]
    pages = schema["paths"]["/api/v2/pages/"]["get"]["responses"]
    for status in ("400", "401", "403", "429"):
        assert responses[status] == pages[status], status
    for status in ("413", "415", "422"):
        assert responses[status]["content"] == pages["400"]["content"], status


@pytest.mark.django_db
def test_schema_is_served_as_json_and_yaml_without_a_key(schema):
    client = Client()
    as_json = client.get("/api/schema/?format=json")
    assert as_json.status_code == 200
    assert as_json.json()["paths"].keys() == schema["paths"].keys()
    assert as_json.json()["components"]["schemas"].keys() == schema["components"]["schemas"].keys()
    as_yaml = client.get("/api/schema/?format=yaml")
    assert as_yaml.status_code == 200
    assert yaml.safe_load(as_yaml.content)["paths"].keys() == schema["paths"].keys()
    # a key is neither needed nor checked here
    assert client.get("/api/schema/?format=json", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 200


@pytest.mark.django_db
def test_docs_load_without_a_key_and_without_the_internet():
    response = Client().get("/api/docs/", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


@pytest.mark.django_db
def test_unknown_api_paths_answer_problem_details():
    response = Client().get("/api/v2/pages/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404
