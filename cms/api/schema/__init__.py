"""OpenAPI 3 description of the delivery API, generated with drf-spectacular.

Wagtail's API v2 viewsets have no `serializer_class`: their serializers are built per
request from the model, the `type` and the `fields` parameter. So drf-spectacular's
AutoSchema cannot infer them, and `DeliveryApiSchema` (given to every viewset on
DeliveryMixin by a drf-spectacular view extension, views untouched) describes each
operation from what Wagtail itself knows:

- the endpoints are the router's (`cms.api.router.api_router`), so a new endpoint is
  described as soon as it is registered;
- query parameters come from the view's `known_query_parameters`, its filter backends
  and the model's database fields (Wagtail accepts any of them as a filter);
- bodies come from the serializer Wagtail builds with `fields=*`, field by field; page
  bodies are typed per page type (`oneOf` by `meta.type`);
- StreamField bodies are typed per block by walking the block definitions
  (`BlockSchemas`); a block with its own API shape can say so with a
  `get_api_schema(self, block_schemas)` method returning a JSON schema.

Errors are RFC 9457 problem details (`Problem`), every endpoint needs a bearer key
(`ApiKey` security scheme), and `/api/schema/` and `/api/docs/` need none.

Modules: json_schema (builders), representations, problems, personalisation (meta and
resolved slots), blocks, fields, parameters, components (every named schema),
operations (DeliveryApiSchema), security and viewsets (drf-spectacular extensions),
hooks (SPECTACULAR_SETTINGS) and views (/api/schema/, /api/docs/). drf-spectacular
registers an extension when its class is defined, so CmsConfig.ready imports this package.
"""

from cms.api.schema.blocks import BlockSchemas
from cms.api.schema.components import EXTRA_COMPONENTS, build_components, register_component_builder
from cms.api.schema.hooks import delivery_endpoints_only
from cms.api.schema.json_schema import camel, model_label, nullable, obj, ref, string
from cms.api.schema.operations import DeliveryApiSchema
from cms.api.schema.personalisation import EXPERIMENT_ASSIGNMENT, resolved_slot
from cms.api.schema.problems import RATE_LIMIT_HEADERS, problem_responses
from cms.api.schema.representations import TIME_ZONE
from cms.api.schema.security import ApiKeyAuthenticationScheme
from cms.api.schema.viewsets import DeliveryViewSetExtension
from cms.api.schema.views import docs_view, schema_view

__all__ = [
    "EXTRA_COMPONENTS",
    "RATE_LIMIT_HEADERS",
    "TIME_ZONE",
    "ApiKeyAuthenticationScheme",
    "BlockSchemas",
    "DeliveryApiSchema",
    "DeliveryViewSetExtension",
    "build_components",
    "camel",
    "delivery_endpoints_only",
    "docs_view",
    "model_label",
    "nullable",
    "obj",
    "problem_responses",
    "ref",
    "register_component_builder",
    "resolved_slot",
    "EXPERIMENT_ASSIGNMENT",
    "schema_view",
    "string",
]
