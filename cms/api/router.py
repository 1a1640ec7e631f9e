"""The delivery API's routes: Wagtail's v2 layout under /api/v2/, plus snippets."""

from wagtail.api.v2.router import WagtailAPIRouter

from cms.api.preview import HeadlessPreviewViewSet, PagePreviewViewSet
from cms.api.redirects import DeliveryRedirectsViewSet
from cms.api.views import (
    CallToActionsViewSet,
    DeliveryDocumentsViewSet,
    DeliveryImagesViewSet,
    DeliveryPagesViewSet,
    PromosViewSet,
)

api_router = WagtailAPIRouter("tailorapi")
api_router.register_endpoint("pages", DeliveryPagesViewSet)
api_router.register_endpoint("images", DeliveryImagesViewSet)
api_router.register_endpoint("documents", DeliveryDocumentsViewSet)
api_router.register_endpoint("snippets/call-to-actions", CallToActionsViewSet)
api_router.register_endpoint("snippets/promos", PromosViewSet)
api_router.register_endpoint("page_preview", PagePreviewViewSet)
api_router.register_endpoint("preview", HeadlessPreviewViewSet)
api_router.register_endpoint("redirects", DeliveryRedirectsViewSet)
