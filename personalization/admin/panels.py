"""The segment editor's "Test against a sample visitor" panel."""

import json

from django.urls import reverse
from django.utils import timezone
from wagtail.admin.panels import Panel

from personalization.selectors import sample_visitor


class SampleVisitorPanel(Panel):
    """Tries the definition being edited (unsaved) against a visitor context written as JSON:
    the decision with its deciding conditions, and how many stored profiles it reaches."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "personalization/admin/sample_visitor_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["sample"] = json.dumps(sample_visitor(timezone.now()), indent=2)
            context["trial_url"] = reverse("wagtailsnippets_personalization_segment:test")
            context["segment_id"] = self.instance.pk or ""
            context["definition_id"] = self.form["definition"].id_for_label
            context["key_id"] = self.form["key"].id_for_label
            return context


# The form field SegmentForm adds when the rule is empty (see EveryVisitorPanel).
CONFIRM_EVERY_VISITOR = "confirm_every_visitor"


class EveryVisitorPanel(Panel):
    """Beside the conditions when they are empty: a warning and the confirmation the form then requires."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "personalization/admin/every_visitor_panel.html"

        field_name = CONFIRM_EVERY_VISITOR

        def is_shown(self):
            return self.field_name in self.form.fields

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["field"] = self.form[self.field_name]
            return context
