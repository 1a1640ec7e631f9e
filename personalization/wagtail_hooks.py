"""Wagtail admin registrations for personalisation (discovered by Wagtail)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.snippets.models import register_snippet

from personalization.admin.viewsets import PersonalisationViewSetGroup
from personalization.services import LOG_DISABLED, LOG_ENABLED, LOG_PRIORITY

register_snippet(PersonalisationViewSetGroup)


@hooks.register("register_log_actions")
def register_segment_log_actions(actions):
    """Audit log entries for changes made from the priority list."""

    @actions.register_action(LOG_PRIORITY)
    class PriorityChanged(LogFormatter):
        label = _("Change segment priority")

        def format_message(self, log_entry):
            return _("Priority changed from %(from)s to %(to)s") % log_entry.data

    actions.register_action(LOG_ENABLED, _("Switch segment on"), _("Switched on"))
    actions.register_action(LOG_DISABLED, _("Switch segment off"), _("Switched off"))
