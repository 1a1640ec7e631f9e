import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.api.problems import api_not_found
from cms.api.router import api_router
from cms.api.schema import docs_view, schema_view
from cms.media import serve_media
from config.health import healthz, readyz
from personalization.api.crm import ConsentView, IdentifyView, ProfileView, SegmentMembersView
from personalization.api.events import EventsView
from personalization.insight.api import FeedbackView
from personalization.api.traits import ProfileTraitsView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/personalize/", include("personalization.api.urls")),
    path("api/v2/events/", EventsView.as_view(), name="events"),
    path("api/v2/profiles/<str:visitor_id>/", ProfileView.as_view(), name="profile"),
    path("api/v2/profiles/<str:visitor_id>/consent/", ConsentView.as_view(), name="profile-consent"),
    path("api/v2/profiles/<str:visitor_id>/identify/", IdentifyView.as_view(), name="profile-identify"),
    path("api/v2/segments/<slug:key>/members/", SegmentMembersView.as_view(), name="segment-members"),
    path("api/v2/feedback/", FeedbackView.as_view(), name="feedback"),
    path("api/v2/search/", include("search.api.urls")),
    path("api/v2/profiles/<str:visitor_id>/traits/", ProfileTraitsView.as_view(), name="profile-traits"),
    path("api/v2/", api_router.urls),
    path("api/schema/", schema_view, name="api-schema"),
    path("api/docs/", docs_view, name="api-docs"),
    re_path(r"^api/", api_not_found),  # after every API route: unknown API paths answer problem details
]

# Uploads are served through a view that checks collection privacy, in every mode (cms.media).
MEDIA_PREFIX = re.escape(settings.MEDIA_URL.lstrip("/"))
urlpatterns += [re_path(rf"^{MEDIA_PREFIX}(?P<path>.+)$", serve_media, name="media")]

# Django's error pages, as problem details under /api/.
handler400 = "cms.api.problems.bad_request"
handler403 = "cms.api.problems.permission_denied"
handler500 = "cms.api.problems.server_error"

# Wagtail's page serving comes last: it claims every remaining path.
urlpatterns += [path("", include(wagtail_urls))]
