"""The `ApiKey` security scheme: a channel's API key as a bearer token."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from cms.api.auth import ApiKeyAuthentication

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
        """The scheme every delivery operation names in its `security`."""
        return API_KEY_SCHEME
