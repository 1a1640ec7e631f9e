"""Bearer API keys: authentication gives a channel-bound grant, never a user."""

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from cms.api.keys import KeyGrant, api_key_resolve


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>`; keys in the query string are not accepted."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise AuthenticationFailed("malformed Authorization header: expected 'Bearer <api key>'")
        grant = api_key_resolve(token)
        if grant is None:
            raise AuthenticationFailed("unknown or revoked API key")
        return AnonymousUser(), grant

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="tailor"'


class HasScope(BasePermission):
    """The view's `required_scope` must be one of the key's scopes."""

    def has_permission(self, request, view) -> bool:
        grant: KeyGrant | None = request.auth
        if grant is None:
            raise NotAuthenticated("an API key is required: send 'Authorization: Bearer <api key>'")
        scope = view.required_scope
        if not grant.has(scope):
            raise PermissionDenied(f"this API key lacks the '{scope}' scope")
        return True
