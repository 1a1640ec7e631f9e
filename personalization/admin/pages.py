"""A read-only list of live pages for marketers: what each page is, which segments can change it,
and a way into 'Preview as'. Wagtail has no view-only page permission, so without this a
marketer could not find pages in the admin at all."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.http import urlencode
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.models import Page

from cms.api.generation import content_generation
from cms.api.lookups import page_segment_ids
from personalization.admin.dashboard import VIEW_PERMISSION as DASHBOARD_PERMISSION
from personalization.admin.left_out import LeftOutBannerMixin
from personalization.models import Segment

VIEW_PERMISSION = "personalization.view_segment"


class SegmentsColumn(Column):
    """The segments whose membership can change the page (its blocks' and page variants')."""

    def __init__(self, name: str, *, generation: int, names: dict[int, str], **kwargs):
        super().__init__(name, **kwargs)
        self.generation, self.names = generation, names

    def get_value(self, page):
        ids = page_segment_ids.get(self.generation, self.generation, page.pk)
        return ", ".join(sorted(self.names[pk] for pk in ids if pk in self.names)) or "—"


class PersonalisedPagesView(LeftOutBannerMixin, IndexView):
    model = Page
    template_name = "personalization/admin/pages_index.html"
    page_title = _("Pages and segments")
    header_icon = "doc-empty-inverse"
    index_url_name = "personalization_pages"
    index_results_url_name = "personalization_pages_results"
    search_fields = ["title"]
    search_backend_name = None  # titles by the database: a marketer looks for a page they know the name of
    paginate_by = 50
    any_permission_required = None
    default_ordering = "path"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        return Page.objects.live().filter(depth__gt=1)

    @property
    def columns(self):
        segments = SegmentsColumn(
            "segments", label=_("Segments that can change it"),
            generation=content_generation(), names=dict(Segment.objects.values_list("pk", "name")),
        )
        return [
            TitleColumn(
                "title", label=_("Title"), get_url=lambda page: reverse("personalization_preview_as", args=[page.pk])
            ),
            Column("type", label=_("Type"), accessor=lambda page: capfirst(page.specific_class._meta.verbose_name)),
            Column("url", label=_("URL"), accessor="url"),
            segments,
            *self._figures_column(),
        ]

    def _figures_column(self) -> list[Column]:
        """A link to the dashboard narrowed to the page, for people who may read it (marketers open no page editor)."""
        if not self.request.user.has_perm(DASHBOARD_PERMISSION):
            return []
        dashboard = reverse("personalization_dashboard")
        return [TitleColumn(
            "figures", label=_("Figures"), accessor=lambda page: _("Figures"),
            get_url=lambda page: f"{dashboard}?{urlencode({'page': page.pk})}",
        )]
