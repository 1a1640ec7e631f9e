"""A urlconf for differential tests and benchmarks: Tailor's routes plus Wagtail's stock API v2.

`/reference/api/v2/` serves Wagtail 7.4's own `PagesAPIViewSet`, `ImagesAPIViewSet` and
`DocumentsAPIViewSet` over the same database, as the reference that Tailor's `/api/v2/`
must stay compatible with (PRODUCT.md, "What existing Wagtail API v2 clients rely on").
`/reference/trivial/` is the cheapest JSON view of this stack: the benchmark's ceiling.

The stock viewsets would otherwise pick up Tailor's REST_FRAMEWORK defaults (API-key
authentication and scope permission) and Wagtail's browsable renderer; the subclasses
below undo exactly that and change nothing else, so they behave as in a stock install
that serves the API publicly.
"""

from django.http import JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from config.urls import urlpatterns as tailor_urlpatterns


class PublicStockAccess:
    """A stock install's access: no authentication, anyone may read, no throttling, JSON only."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    renderer_classes = [JSONRenderer]


class StockPagesAPIViewSet(PublicStockAccess, PagesAPIViewSet):
    pass


class StockImagesAPIViewSet(PublicStockAccess, ImagesAPIViewSet):
    pass


class StockDocumentsAPIViewSet(PublicStockAccess, DocumentsAPIViewSet):
    pass


reference_router = WagtailAPIRouter("referenceapi")
reference_router.register_endpoint("pages", StockPagesAPIViewSet)
reference_router.register_endpoint("images", StockImagesAPIViewSet)
reference_router.register_endpoint("documents", StockDocumentsAPIViewSet)


def trivial(request):
    """The benchmark's baseline: a Django view that returns a constant JSON object."""
    return JsonResponse({"ok": True})


# Tailor's catch-all page serving comes last in config.urls, so these go first.
urlpatterns = [
    path("reference/api/v2/", reference_router.urls),
    path("reference/trivial/", trivial, name="reference-trivial"),
    *tailor_urlpatterns,
]
