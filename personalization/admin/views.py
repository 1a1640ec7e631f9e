"""Admin views beside the segment snippet views: trying a definition, ordering by priority."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permission_policies import ModelPermissionPolicy

from cms.api.filters import parse_id
from cms.json_input import JSONInputError, loads_bounded
from personalization.models import Segment
from personalization.selectors import SampleError, segment_trial
from personalization.services import segment_set_enabled, segments_reorder
from personalization.specs import live_segments

segment_permissions = ModelPermissionPolicy(Segment)
MAX_TRIAL_BYTES = 256 * 1024


@require_POST
def segment_test(request):
    """POST {definition, sample?, key?, segment_id?} as JSON: the problems with the definition,
    or (with a sample visitor context) the decision with its explanation and the reach."""
    if not segment_permissions.user_has_any_permission(request.user, {"add", "change"}):
        return JsonResponse({"error": _("You may not edit segments.")}, status=403)
    if len(request.body) > MAX_TRIAL_BYTES:
        return JsonResponse({"error": _("The request is too large.")}, status=413)
    try:
        body = loads_bounded(request.body)
    except JSONInputError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    if not isinstance(body, dict) or "definition" not in body:
        return JsonResponse({"error": _("Send a JSON object with the definition.")}, status=400)
    sample = body.get("sample")
    if sample is not None and not isinstance(sample, dict):
        return JsonResponse({"error": _("The sample visitor must be a JSON object.")}, status=400)
    try:
        trial = segment_trial(
            definition=body["definition"],
            sample=sample,
            key=str(body.get("key") or ""),
            segment_id=_segment_id(body.get("segment_id")),
        )
    except SampleError as exc:
        problem = _("The sample visitor is not usable: %(problem)s") % {"problem": exc}
        return JsonResponse({"error": problem}, status=400)
    return JsonResponse(trial.as_dict())


def _segment_id(value) -> int | None:
    """The edited segment's id (the editor sends it as a string), if `value` can be one (`parse_id`)."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    return parse_id(text)


class SegmentPrioritiesView(WagtailAdminTemplateMixin, View):
    """The live segments by priority: drag (or move up and down) and save to renumber them
    10, 20, 30…; switch each on or off."""

    template_name = "personalization/admin/segment_priorities.html"
    page_title = gettext_lazy("Segment priorities")
    header_icon = "order"
    index_url_name = "wagtailsnippets_personalization_segment:list"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("personalization.publish_segment"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Segment._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": self.page_title},
        ]

    def get(self, request):
        return self.render_to_response(self.get_context_data(segments=list(live_segments())))

    def post(self, request):
        order = [pk for pk in map(parse_id, request.POST.getlist("order")) if pk is not None]
        if move := request.POST.get("move"):
            order = _moved(order, move)
        try:
            changed = segments_reorder(user=request.user, segment_ids=order)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if changed:
                message = _("Priorities saved: %(count)d segments renumbered.") % {"count": len(changed)}
                messages.success(request, message)
        return HttpResponseRedirect(request.path)


def _moved(order: list[int], move: str) -> list[int]:
    """The order after "<pk>:up" or "<pk>:down" (the buttons that work without JavaScript)."""
    text, _, direction = move.partition(":")
    pk = parse_id(text)
    if pk not in order:
        return order
    index = order.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return order


@require_POST
def segment_toggle(request, pk):
    """Switch a segment on or off from the priority list."""
    if not request.user.has_perm("personalization.publish_segment"):
        raise PermissionDenied
    segment = get_object_or_404(Segment, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    if segment_set_enabled(user=request.user, segment=segment, enabled=enabled):
        message = _("'%(name)s' is on.") if enabled else _("'%(name)s' is off.")
        messages.success(request, message % {"name": segment.name})
    return HttpResponseRedirect(reverse("wagtailsnippets_personalization_segment:priorities"))
