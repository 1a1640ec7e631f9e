"""'Preview as': a page's latest draft as a chosen channel, segments, device, country and moment would see it.

The same simulation is handed to frontends as a signed token (`simulate=`), so the
real frontend can show it too.
"""

from datetime import datetime, timezone

from django import forms
from django.core.exceptions import PermissionDenied
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
    form = PreviewAsForm(request.GET or {"channel": Channel.objects.values_list("slug", flat=True).first()})
    context = {"page": page, "form": form, "header_title": f"Preview as: {page.get_admin_display_title()}"}
    if form.is_valid():
        simulation = form.simulation()
        token = simulation_token(**simulation)
        context["frame_url"] = reverse("personalization_preview_render", args=[page.pk]) + "?" + request.GET.urlencode()
        context["token"] = token
        context["api_example"] = f"/api/v2/pages/{page.pk}/?" + urlencode({"simulate": token})
    return TemplateResponse(request, "personalization/admin/preview_as.html", context)


def preview_as_render(request, page_id: int):
    """The page's latest revision rendered by its template with the simulated decision."""
    page = _page_for(request, page_id).get_latest_revision_as_object()
    form = PreviewAsForm(request.GET)
    if not form.is_valid():
        raise PermissionDenied
    state = PersonalizationState(
        channel=form.cleaned_data["channel"].slug, params={}, headers={}, simulation=form.simulation(),
        now=datetime.now(timezone.utc),
    )
    context = {**page.get_context(request), "tailor_personalization": state}
    return TemplateResponse(request, page.get_template(request), context)
