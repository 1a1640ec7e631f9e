"""The rule builder: a JSON textarea that rule_builder.js turns into a nested editor.

Without JavaScript it stays a plain JSON textarea; with it, the textarea is hidden and
kept in sync, so the form always posts the definition as JSON.
"""

import json

from django import forms
from django.urls import reverse

from cms.json_input import loads_bounded
from personalization.selectors import builder_catalogue


class RuleBuilderWidget(forms.Textarea):
    """Edits a segment definition; the catalogue (with the CRM traits) is read at render time."""

    template_name = "personalization/admin/rule_builder_widget.html"
    trial_url_name = "wagtailsnippets_personalization_segment:test"

    def __init__(self, attrs=None):
        defaults = {"rows": 12, "class": "rule-builder__json", "spellcheck": "false"}
        super().__init__(attrs={**defaults, **(attrs or {})})

    def format_value(self, value):
        """Indented JSON, so the no-JavaScript textarea is readable; anything unparsable as posted."""
        text = super().format_value(value)
        try:
            return json.dumps(loads_bounded(text), indent=2, ensure_ascii=False) if text else text
        except ValueError:  # JSONInputError too: deep or huge input is shown back as typed
            return text

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["catalogue"] = builder_catalogue()
        context["catalogue_id"] = f"{context['widget']['attrs'].get('id', name)}-catalogue"
        context["trial_url"] = reverse(self.trial_url_name)
        return context

    class Media:
        css = {"all": ["personalization/rule_builder.css"]}
        js = ["personalization/rule_builder.js"]
