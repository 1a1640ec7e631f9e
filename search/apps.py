from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search backend choice, indexing and the search API."""

    name = "search"
    label = "tailor_search"
