"""Wagtail admin registrations for customer insight (discovered by Wagtail)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .models import SentimentModel


class SentimentModelViewSet(SnippetViewSet):
    """The scorer choice, governed: marketers draft and submit, the chief content officer approves (publishes)."""

    model = SentimentModel
    icon = "comment"
    menu_label = _("Sentiment scorer")
    url_prefix = "insight/scorers"
    add_to_admin_menu = False
    list_display = ["name", "backend", "training"]
    copy_view_enabled = False


register_snippet(SentimentModelViewSet)


@hooks.register("register_admin_urls")
def register_insight_urls():
    return [
        path("insight/sentiment/", admin_views.sentiment_dashboard, name="insight_sentiment"),
        path("insight/sentiment/explain/", admin_views.sentiment_explain, name="insight_sentiment_explain"),
        path("insight/sentiment/label/", admin_views.sentiment_label, name="insight_sentiment_label"),
        path("insight/sentiment/train/", admin_views.sentiment_train, name="insight_sentiment_train"),
        path("insight/feedback/upload/", admin_views.feedback_upload, name="insight_feedback_upload"),
    ]


class SentimentMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.VIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_sentiment_menu_item():
    """Marketing and content leads read what customers feel and why it changed."""
    return SentimentMenuItem(_("Sentiment"), reverse("insight_sentiment"), icon_name="comment", order=306)
