"""The chief content officer's way to delete or unpublish a segment in use: replace it first."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.actions.unpublish import UnpublishAction
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from personalization.dependants import dependants_text, segment_dependants
from personalization.models import Segment
from personalization.segment_replacement import ReplacementError, replace_segment
from personalization.specs import live_segments

REPLACE_PERMISSION = "personalization.replace_segment"
THEN = {"delete": (gettext_lazy("delete"), gettext_lazy("deleted")), "unpublish": (gettext_lazy("unpublish"), gettext_lazy("unpublished"))}


class ReplacementForm(forms.Form):
    replacement = forms.ModelChoiceField(
        queryset=Segment.objects.none(),
        label=gettext_lazy("Replace it with"),
        help_text=gettext_lazy("A live segment; its own conditions decide who sees what was personalised."),
    )

    def __init__(self, *args, segment: Segment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = live_segments().exclude(pk=segment.pk)


class SegmentReplaceView(WagtailAdminTemplateMixin, View):
    """GET: what uses the segment and a choice of replacement; POST: replace, then delete or unpublish."""

    template_name = "personalization/admin/segment_replace.html"
    header_icon = "group"
    index_url_name = "wagtailsnippets_personalization_segment:list"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(REPLACE_PERMISSION):
            raise PermissionDenied
        self.segment = get_object_or_404(Segment, pk=kwargs["pk"])
        self.then = request.POST.get("then") or request.GET.get("then") or "unpublish"
        if self.then not in THEN:
            self.then = "unpublish"
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Replace '%(name)s'") % {"name": self.segment.name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Segment._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request, pk):
        return self.render(ReplacementForm(segment=self.segment))

    def post(self, request, pk):
        form = ReplacementForm(request.POST, segment=self.segment)
        if not form.is_valid():
            return self.render(form)
        replacement = form.cleaned_data["replacement"]
        try:
            changed = replace_segment(segment=self.segment, replacement=replacement, user=request.user)
        except ReplacementError as exc:
            form.add_error("replacement", str(exc))
            return self.render(form)
        if remaining := segment_dependants(self.segment):  # a page published meanwhile, say
            messages.error(request, _("'%(name)s' is still used by %(dependants)s.") % {
                "name": self.segment.name, "dependants": dependants_text(remaining)})
            return self.render(ReplacementForm(segment=self.segment))
        name = self.segment.name
        if self.then == "delete":
            log(instance=self.segment, action="wagtail.delete", user=request.user)
            self.segment.delete()
        else:
            # Checked above: replace_segment is the CCO's right to unpublish a segment in use.
            UnpublishAction(self.segment, user=request.user).execute(skip_permission_checks=True)
        messages.success(request, _("'%(replacement)s' replaced '%(name)s' in %(changed)s; '%(name)s' is %(done)s.") % {
            "replacement": replacement.name, "name": name, "changed": dependants_text(changed),
            "done": THEN[self.then][1],
        })
        return HttpResponseRedirect(reverse(self.index_url_name))

    def render(self, form):
        label, done = THEN[self.then]
        return self.render_to_response(self.get_context_data(
            segment=self.segment,
            dependants=segment_dependants(self.segment),
            form=form,
            then=self.then,
            then_label=label,
            then_done=done,
            submit_label=_("Replace and %(then)s") % {"then": label},
            cancel_url=reverse("wagtailsnippets_personalization_segment:edit", args=[self.segment.pk]),
        ))
