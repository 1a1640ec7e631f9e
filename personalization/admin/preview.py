"""'Preview as': a page's latest draft as a chosen channel, segments, device, country and moment would see it.

The same simulation is handed to frontends as a signed token (`simulate=`), so the
real frontend can show it too.
"""

from datetime import datetime, timezone

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from wagtail.models import Page

from personalization.delivery import PersonalizationState
from cms.models import Channel
from personalization.simulation import simulation_token
from personalization.specs import live_segments


class PreviewAsForm(forms.Form):
    channel = forms.ModelChoiceField(Channel.objects.all(), to_field_name="slug", empty_label=None)
    segments = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    device = forms.CharField(required=False, max_length=50)
    country = forms.CharField(required=False, max_length=50)
    at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label="Date and time (UTC)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segments"].choices = [(s.key, s.name) for s in live_segments()]

    def query(self) -> str:
        """The chosen fields as a query string, so the frame renders what the form shows even
        when the form was filled from its defaults rather than from the address."""
        data = self.cleaned_data
        pairs = [("channel", data["channel"].slug), *(("segments", key) for key in data["segments"])]
        pairs += [(name, data[name]) for name in ("device", "country") if data[name]]
        if data.get("at"):
            pairs.append(("at", data["at"].strftime("%Y-%m-%dT%H:%M")))
        return urlencode(pairs)

    def simulation(self) -> dict:
        """The chosen fields only, as the frontend token carries them: with no segment
        ticked the rules decide for the simulated visitor rather than matching nothing."""
        data = self.cleaned_data
        at = data.get("at")
        chosen = {
            "channel": data["channel"].slug,
            "segments": data["segments"],
            "device": data["device"],
            "country": data["country"],
            "now": at.replace(tzinfo=at.tzinfo or timezone.utc) if at else None,
        }
        return {name: value for name, value in chosen.items() if value}


def _page_for(request, page_id: int):
    page = get_object_or_404(Page, pk=page_id).specific
    if not page.permissions_for_user(request.user).can_edit() and not request.user.has_perm("personalization.view_segment"):
        raise PermissionDenied
    return page


def preview_as(request, page_id: int):
    """The form, a frame showing the rendering, and the headless token for frontends."""
    page = _page_for(request, page_id)
    form = PreviewAsForm(request.GET or {"channel": _default_channel(page)})
    context = {"page": page, "form": form, "header_title": f"Preview as: {page.get_admin_display_title()}"}
    if form.is_valid():
        simulation = form.simulation()
        token = simulation_token(**simulation)
        context["frame_url"] = reverse("personalization_preview_render", args=[page.pk]) + "?" + form.query()
        context["token"] = token
        context["api_example"] = f"/api/v2/pages/{page.pk}/?" + urlencode({"simulate": token})
    return TemplateResponse(request, "personalization/admin/preview_as.html", context)


def _default_channel(page) -> str | None:
    """The first channel the draft is offered on (else the first channel), so the first open shows the page."""
    overrides = getattr(page.get_latest_revision_as_object(), "channel_overrides", None)
    hidden = {override.channel_id for override in overrides.all() if not override.offered} if overrides is not None else set()
    slugs = list(Channel.objects.values_list("pk", "slug"))
    offered = [slug for pk, slug in slugs if pk not in hidden]
    return (offered or [slug for _, slug in slugs] or [None])[0]


def preview_as_render(request, page_id: int):
    """The page's latest revision rendered by its template as the chosen channel delivers it:
    its overrides applied, or a notice when the page is not offered there."""
    page = _page_for(request, page_id).get_latest_revision_as_object()
    form = PreviewAsForm(request.GET)
    if not form.is_valid():
        # A plain answer inside the frame: PermissionDenied would nest the admin's own error page.
        return HttpResponseBadRequest("Choose a channel to preview as.", content_type="text/plain")
    channel = form.cleaned_data["channel"]
    override = channel_override(page, channel)
    if override is not None and not override.offered:
        return TemplateResponse(request, "personalization/admin/preview_not_offered.html", {"page": page, "channel": channel})
    apply_override(page, override)
    state = PersonalizationState(
        channel=form.cleaned_data["channel"].slug, params={}, headers={}, simulation=form.simulation(),
        now=datetime.now(timezone.utc),
    )
    context = {**page.get_context(request), "tailor_personalization": state}
    return TemplateResponse(request, page.get_template(request), context)


def channel_override(page, channel):
    """The page's (draft) override for a channel, or None; read from the revision, not the database."""
    overrides = getattr(page, "channel_overrides", None)
    if overrides is None:
        return None
    return next((override for override in overrides.all() if override.channel_id == channel.pk), None)


def apply_override(page, override) -> None:
    """Put the channel's title and summary on the in-memory page, as the delivery API does."""
    if override is None:
        return
    if override.title:
        page.title = override.title
    if override.summary and hasattr(page, "summary"):
        page.summary = override.summary
