"""A segment's usage list that names every page using it.

Wagtail labels a page the user may not edit "(Private page)". Marketers edit no pages, yet
they must know which pages a segment changes: such pages get their title and a link to
'Preview as' (which marketers may open) instead.
"""

from django.urls import reverse
from wagtail.models import Page
from wagtail.snippets.views.snippets import UsageView


class SegmentUsageView(UsageView):
    def get_table(self, object_list, **kwargs):
        table = super().get_table(object_list, **kwargs)
        for row in table.data:
            if row["edit_url"] is None and isinstance(row["object"], Page):
                row["label"] = row["object"].get_admin_display_title()
                row["edit_url"] = reverse("personalization_preview_as", args=[row["object"].pk])
                row["edit_link_title"] = "Preview as…"
        return table
