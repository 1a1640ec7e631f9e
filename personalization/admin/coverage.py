"""The coverage view for the chief content officer and marketers: live pages × channels × segments.

Which page is offered where (and what its channel override changes), which segments have
variants on it (and on which channels), and the gaps: large segments a personalised page
has no variant for. Filterable by segment ("which pages does at-risk change?") and title.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse

from personalization.admin.pages import VIEW_PERMISSION
from personalization.coverage import EVERY_CHANNEL, LARGE_SEGMENT_SHARE, collect
from personalization.models import Segment


class CoverageFilterForm(forms.Form):
    segment = forms.ChoiceField(required=False, label="Pages this segment changes")
    q = forms.CharField(required=False, label="Title contains")
    gaps_only = forms.BooleanField(required=False, label="Only pages with gaps")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", "Any segment"), *Segment.objects.order_by("name").values_list("key", "name")]


def coverage(request):
    """The coverage table, narrowed by the filter form."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    form = CoverageFilterForm(request.GET or None)
    chosen, query, gaps_only = None, "", False
    if form.is_valid():
        key = form.cleaned_data["segment"]
        chosen = Segment.objects.filter(key=key).first() if key else None
        query, gaps_only = form.cleaned_data["q"].strip(), form.cleaned_data["gaps_only"]
    rows, channels, members, large = collect(segment_id=chosen.pk if chosen else None, query=query)
    if gaps_only:
        rows = [row for row in rows if row.missing]
    names = dict(Segment.objects.values_list("pk", "name"))
    channel_names = {channel.slug: channel.name for channel in channels}
    table = [
        {
            "title": row.title,
            "type": row.type_name,
            "preview_url": reverse("personalization_preview_as", args=[row.page_id]),
            "channels": [(channel.name, row.channels[channel.slug]) for channel in channels],
            "variants": sorted(
                (names.get(segment_id, f"#{segment_id}"), _channels_text(slugs, channel_names))
                for segment_id, slugs in row.variants.items()
            ),
            "missing": [(names[segment_id], members.get(segment_id, 0)) for segment_id in row.missing if segment_id in names],
            "personalised": row.personalised,
        }
        for row in rows
    ]
    context = {
        "form": form, "table": table, "channels": channels, "chosen": chosen,
        "large": sorted((names[pk], members[pk]) for pk in large if pk in names),
        "large_share": int(LARGE_SEGMENT_SHARE * 100),
        "header_title": "Coverage", "page_title": "Coverage", "header_icon": "table",
    }
    return TemplateResponse(request, "personalization/admin/coverage.html", context)


def _channels_text(slugs: set[str], names: dict[str, str]) -> str:
    if EVERY_CHANNEL in slugs:
        return "all channels"
    return ", ".join(sorted(names.get(slug, slug) for slug in slugs))
