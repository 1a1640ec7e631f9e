"""`/api/schema/` and `/api/docs/`: served to anyone, without an API key."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

schema_view = SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny])
docs_view = SpectacularSwaggerView.as_view(
    url_name="api-schema", authentication_classes=[], permission_classes=[AllowAny]
)
