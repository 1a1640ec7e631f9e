"""A segment's rules as a sentence ("country is DE and returning visitor") wherever the admin
shows them: the inspect view, revision comparisons and the audit log."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.compare import TextFieldComparison
from wagtail.admin.panels import FieldPanel
from wagtail.log_actions import LogFormatter
from wagtail.snippets.views.snippets import InspectView

from personalization.engine import describe


class RulesComparison(TextFieldComparison):
    """Compares two revisions' conditions as sentences, word by word, not as JSON."""

    def __init__(self, field, obj_a, obj_b):
        super().__init__(field, obj_a, obj_b)
        self.val_a = describe(self.val_a)
        self.val_b = describe(self.val_b)


class RulesFieldPanel(FieldPanel):
    """The conditions field: edited with the rule builder, compared as rules."""

    def get_comparison_class(self):
        return RulesComparison


class SegmentInspectView(InspectView):
    def get_definition_display_value(self):
        return describe(self.object.definition)


class RulesChanged(LogFormatter):
    label = _("Change segment rules")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        if data.get("from") is None:
            return _("Rules: %(to)s") % data
        return _("Rules changed from: %(from)s — to: %(to)s") % data
