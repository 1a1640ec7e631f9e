"""`DeliveryApiSchema`: drf-spectacular's AutoSchema for Wagtail API v2 viewsets.

Wagtail's API v2 viewsets have no `serializer_class`: their serializers are built per
request from the model, the `type` and the `fields` parameter. So drf-spectacular's
AutoSchema cannot infer them, and DeliveryApiSchema describes each listing, detail and
find operation from what Wagtail itself knows (cms.api.schema.parameters and .components).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from wagtail.api.v2.views import PagesAPIViewSet

from cms.api.auth import ApiKeyAuthentication
from cms.api.schema.components import build_components
from cms.api.schema.json_schema import camel, ref, string
from cms.api.schema.parameters import (
    DEPENDENT_PARAMETERS,
    detail_parameters,
    find_parameters,
    id_parameter,
    listing_parameters,
)
from cms.api.schema.problems import RATE_LIMIT_HEADERS, problem_responses
from cms.api.schema.security import API_KEY_SCHEME

SCHEMA = ResolvedComponent.SCHEMA
ERROR_STATUSES = (400, 401, 403, 404, 429)


class DeliveryApiSchema(AutoSchema):
    """Describes a Wagtail API v2 viewset's listing, detail and find operations."""

    ACTIONS: ClassVar[dict[str, str]] = {
        "listing_view": "list",
        "detail_view": "retrieve",
        "find_view": "find",
    }

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        """A GET listing, detail or find from Wagtail's view; anything else as drf-spectacular infers it."""
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
            operation["parameters"] = detail_parameters(view_cls, model)
            operation["responses"] = self._responses(200, ref("PageDetail"))
        elif action == "listing_view":
            operation["summary"] = f"List {noun}"
            operation["description"] = (
                f"The {noun} this key's channel may see, as Wagtail API v2 lists them: "
                "`{meta: {total_count}, items}`, paginated with `limit` and `offset`.\n\n"
                + DEPENDENT_PARAMETERS
            )
            operation["parameters"] = listing_parameters(view_cls, model, is_pages)
            body = ref("PageListing" if is_pages else f"{model.__name__}Listing")
            operation["responses"] = self._responses(200, body, conditional=True)
        elif action == "detail_view":
            operation["summary"] = f"One of the {noun}"
            operation["description"] = (
                "One object, with every field by default (`fields` narrows or widens it)."
                + (" The body's fields depend on the page type, given in `meta.type`." if is_pages else "")
            )
            operation["parameters"] = [id_parameter(self.path), *detail_parameters(view_cls, model)]
            body = ref("PageDetail" if is_pages else f"{model.__name__}Detail")
            operation["responses"] = self._responses(200, body, conditional=True)
        else:
            operation["summary"] = f"Find one of the {noun}"
            operation["description"] = (
                "Redirects (302) to the detail URL of the object found, keeping the other query "
                "parameters; 404 when there is none."
                + (" Pages are found by `html_path` (their path on the site) or `id`." if is_pages else "")
            )
            operation["parameters"] = find_parameters(view_cls, model, is_pages)
            operation["responses"] = self._responses(302)
        return operation

    def _endpoint_name(self) -> str:
        path = self.path.removeprefix("/api/v2/")
        path = re.sub(r"(\{\w+\}/|find/)$", "", path)
        return path.strip("/")

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

    def _register_components(self) -> None:
        """Every component and the `ApiKey` scheme, once per schema (whichever operation comes first)."""
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

