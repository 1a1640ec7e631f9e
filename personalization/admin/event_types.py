"""Declared event types in the admin: marketers name custom events and the properties they carry.

Properties are edited as lines of `key: type` (e.g. `plan: string`), the form a marketer
can read and type; the model stores them as [{"key", "type"}], what ingestion checks
events against. The four built-in types keep their name and cannot be deleted.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from personalization.events.models import EventType, PropertyType

PROPERTY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}\Z")
MAX_PROPERTIES = 50


class PropertyListField(forms.CharField):
    """[{"key", "type"}] shown and typed as one `key: type` line per property."""

    widget = forms.Textarea(attrs={"rows": 4, "placeholder": "plan: string\nseats: number\ntrial: boolean"})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{item.get('key')}: {item.get('type')}" for item in value if isinstance(item, dict))
        return value

    def to_python(self, value) -> list[dict]:
        lines = [line.strip() for line in (super().to_python(value) or "").splitlines() if line.strip()]
        if len(lines) > MAX_PROPERTIES:
            raise ValidationError(_("At most %(count)s properties.") % {"count": MAX_PROPERTIES})
        declared, errors = [], []
        for number, line in enumerate(lines, start=1):
            key, colon, kind = (part.strip() for part in line.partition(":"))
            if not colon:
                errors.append(_("Line %(n)s: write `key: type`.") % {"n": number})
            elif not PROPERTY_KEY.match(key):
                errors.append(_("Line %(n)s: '%(key)s' is not a key (lower-case letters, digits and _, "
                                "starting with a letter).") % {"n": number, "key": key[:64]})
            elif kind not in PropertyType.values:
                errors.append(_("Line %(n)s: the type must be one of %(types)s.")
                              % {"n": number, "types": ", ".join(PropertyType.values)})
            elif any(item["key"] == key for item in declared):
                errors.append(_("Line %(n)s: '%(key)s' is declared twice.") % {"n": number, "key": key})
            else:
                declared.append({"key": key, "type": kind})
        if errors:
            raise ValidationError(errors)
        return declared


class EventTypeForm(WagtailAdminModelForm):
    """A built-in type's name is what every frontend sends: it cannot be changed."""

    properties = PropertyListField(
        required=False, label=_("Properties"),
        help_text=_("One per line, `key: type`; the type is string, number or boolean. Events of this type "
                    "may carry only these keys."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.built_in and "name" in self.fields:
            self.fields["name"].disabled = True
            self.fields["name"].help_text = _("Built in: frontends send this name, it cannot change.")


class EventTypeViewSet(SnippetViewSet):
    model = EventType
    icon = "pick"
    menu_label = _("Event types")
    url_prefix = "personalization/event-types"
    list_display = ["label", "name", BooleanColumn("built_in", label=_("Built in"))]
    search_fields = ["name", "label", "description"]
    search_backend_name = None
    ordering = ["name"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [FieldPanel("label"), FieldPanel("name"), FieldPanel("description"), FieldPanel("properties")],
        base_form_class=EventTypeForm,
    )
