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
from django.db.models import Count
from wagtail.fields import StreamField
from wagtail.models import Page

from cms.models import Channel
from personalization.coverage import EVERY_CHANNEL, LARGE_SEGMENT_SHARE, ChannelCell, PageCoverage, gaps, large_segment_ids, stream_variants
from personalization.models import Segment
from personalization.models.profiles import SegmentMembership, VisitorProfile


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


def collect(*, segment_id: int | None = None, query: str = "") -> tuple[list[PageCoverage], list, dict[int, int], set[int]]:
    """Rows for every live page (narrowed to those with a variant for `segment_id`, and by title),
    the channels, segment sizes (current members) and the ids of large segments."""
    channels = list(Channel.objects.all())
    keys = dict(Segment.objects.values_list("key", "pk"))
    members = {
        keys[row["segment"]]: row["members"]
        for row in SegmentMembership.objects.filter(left_at__isnull=True).values("segment").annotate(members=Count("profile", distinct=True)).order_by()
        if row["segment"] in keys
    }
    large = large_segment_ids(members, VisitorProfile.objects.count())
    pages = Page.objects.live().filter(depth__gt=1).order_by("path")
    if query:
        pages = pages.filter(title__icontains=query)
    rows = []
    for page in pages.specific().prefetch_related("channel_overrides", "segment_variants"):
        slots, variants = 0, {}
        for model_field in page._meta.concrete_fields:
            if isinstance(model_field, StreamField):
                more_slots, more = stream_variants(getattr(page, model_field.attname).raw_data)
                slots += more_slots
                for key, slugs in more.items():
                    variants.setdefault(key, set()).update(slugs)
        page_variants = list(getattr(page, "segment_variants", Page.objects.none()).all())
        slugs = {channel.pk: channel.slug for channel in channels}
        for variant in page_variants:
            variants.setdefault(variant.segment_id, set()).add(slugs.get(variant.channel_id, EVERY_CHANNEL))
        if segment_id is not None and segment_id not in variants:
            continue
        overrides = {o.channel_id: o for o in getattr(page, "channel_overrides", Page.objects.none()).all()}
        rows.append(PageCoverage(
            page_id=page.pk, title=page.title, type_name=page.specific_class._meta.verbose_name,
            channels={channel.slug: _cell(overrides.get(channel.pk)) for channel in channels},
            variants=variants, slots=slots, page_variants=len(page_variants),
        ))
    gaps(rows, large)
    return rows, channels, members, large


def _cell(override) -> ChannelCell:
    if override is None:
        return ChannelCell(offered=True)
    changes = [name for name in ("title", "summary") if getattr(override, name)]
    if override.hero_image_id:
        changes.append("hero image")
    return ChannelCell(offered=override.offered, changes=changes)
