"""Template tags for the admin home page override."""

from django import template

from personalization.admin.home import search_action

register = template.Library()


@register.simple_tag(takes_context=True)
def home_search_action(context, root_page=None) -> str:
    """The URL the home's "Search all pages" box submits to, for the signed-in user."""
    return search_action(context["request"].user, root_page)
