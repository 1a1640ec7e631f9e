"""API keys in the Wagtail admin: issue (the secret is shown once), rename, rescope, revoke.

Access follows model permissions: superusers and the Developers role (cms.roles).
"""

from django import forms
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views.generic.models import CreateView
from wagtail.admin.viewsets.model import ModelViewSet

from cms.api.keys import api_key_create
from cms.models import ApiKey, ApiScope


class ApiKeyForm(WagtailAdminModelForm):
    scopes = forms.MultipleChoiceField(choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple)
    revoked = forms.BooleanField(required=False, help_text="A revoked key stops working within seconds.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["revoked"] = self.instance.revoked_at is not None
        if self.instance.pk is None:
            del self.fields["revoked"]
        else:
            self.fields["channel"].disabled = True  # a key belongs to one channel for life

    def save(self, commit=True):
        if "revoked" in self.cleaned_data:
            revoked = self.cleaned_data["revoked"]
            self.instance.revoked_at = (self.instance.revoked_at or timezone.now()) if revoked else None
        return super().save(commit)


class ApiKeyCreateView(CreateView):
    """Creates the key through the service, so the secret is generated and only its hash stored."""

    def save_instance(self):
        data = self.form.cleaned_data
        instance, self.raw_key = api_key_create(
            channel=data["channel"], name=data["name"], scopes=data["scopes"], created_by=self.request.user
        )
        return instance

    def get_success_message(self, instance):
        return f"API key '{instance.name}' created. Copy it now, it is not shown again: {self.raw_key}"


class ApiKeyViewSet(ModelViewSet):
    model = ApiKey
    icon = "key"
    menu_label = "API keys"
    add_to_admin_menu = True
    list_display = ["name", "channel", "prefix", "scopes", "last_used_at", "revoked_at"]
    list_filter = ["channel"]
    copy_view_enabled = False
    add_view_class = ApiKeyCreateView
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("channel"), FieldPanel("scopes"), FieldPanel("revoked")],
        base_form_class=ApiKeyForm,
    )
