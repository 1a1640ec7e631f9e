"""The search endpoints, mounted at /api/v2/search/ beside the delivery router's (config.urls)."""

from django.urls import path

from search.api.views import SearchView, SuggestView

urlpatterns = [
    path("", SearchView.as_view(), name="search"),
    path("suggest/", SuggestView.as_view(), name="search-suggest"),
]
