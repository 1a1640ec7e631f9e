"""Webhooks in the Wagtail admin: manage endpoints, read the log of delivery attempts.

Access follows model permissions: superusers and the Developers role (cms.roles).
The delivery log is read-only for everyone, superusers included.
"""

import secrets
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy

from cms.models import Webhook, WebhookDelivery, WebhookEvent


class WebhookForm(WagtailAdminModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave all unticked to receive every event.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("secret", secrets.token_urlsafe(32))

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValidationError("Webhooks are delivered over http or https only.")
        return url


class WebhookViewSet(ModelViewSet):
    model = Webhook
    icon = "link"
    menu_label = "Endpoints"
    list_display = ["name", "url", "channel", "active"]
    list_filter = ["active", "channel"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("url"),
            FieldPanel("secret", help_text="Receivers verify Tailor-Signature with it. Keep it secret."),
            FieldPanel("events"),
            FieldPanel("channel"),
            FieldPanel("active"),
        ],
        base_form_class=WebhookForm,
    )


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Only "view" is ever granted: a log of what happened is not edited."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)


class WebhookDeliveryViewSet(ModelViewSet):
    model = WebhookDelivery
    icon = "list-ul"
    menu_label = "Delivery log"
    list_display = ["webhook", "event", "event_id", "attempt", "status_code", "succeeded", "attempted_at"]
    list_filter = ["webhook", "succeeded"]
    search_fields = ["event_id"]
    search_backend_name = None
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = []  # never rendered: no add or edit view is routed

    @property
    def permission_policy(self):
        return ReadOnlyPermissionPolicy(self.model)

    def get_urlpatterns(self):
        readable = {"index", "index_results", "inspect"}
        return [pattern for pattern in super().get_urlpatterns() if pattern.name in readable]


class WebhooksViewSetGroup(ModelViewSetGroup):
    menu_label = "Webhooks"
    menu_icon = "code"
    add_to_admin_menu = True
    items = (WebhookViewSet("webhooks"), WebhookDeliveryViewSet("webhook_deliveries"))
