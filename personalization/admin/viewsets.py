"""Segments and trait definitions as Wagtail snippets, under one "Personalisation" menu.

Segments get Wagtail's snippet features from their mixins: drafts, revisions with
compare and revert, scheduling (the "Set schedule" dialog of PublishingPanel),
locking, workflows (assign one to Segment under Settings → Workflows) and the audit
log. Beside them: the trial endpoint, the priority list and the on/off switch.
"""

from django import forms
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, PublishingPanel
from wagtail.admin.ui.tables import BooleanColumn, LiveStatusTagColumn
from wagtail.admin.widgets import HeaderButton
from wagtail.snippets.views.snippets import (
    CreateView,
    EditView,
    IndexView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from personalization.admin.usage import SegmentUsageView
from personalization.admin.event_types import EventTypeViewSet
from personalization.admin.experiments import ExperimentViewSet
from personalization.admin.left_out import LeftOutBannerMixin
from personalization.admin.figures_panels import SegmentFiguresPanel
from personalization.admin.panels import CONFIRM_EVERY_VISITOR, EveryVisitorPanel, SampleVisitorPanel
from personalization.admin.replace import SegmentReplaceView
from personalization.admin.rules_display import RulesFieldPanel, SegmentInspectView
from personalization.admin.views import SegmentPrioritiesView, segment_test, segment_toggle
from personalization.admin.widgets import RuleBuilderWidget
from personalization.engine import matches_everyone
from cms.json_input import loads_bounded
from cms.models import Channel
from personalization.models import Placement, Segment, TraitDefinition
from personalization.search_promotions import SegmentSearchPromotionViewSet

NEW_DEFINITION = {"all": []}


class SegmentForm(WagtailAdminModelForm):
    """A new segment starts from an empty "all of" group, which the builder fills.

    A live segment's priority and switch are live settings (see Segment.LIVE_SETTINGS):
    a draft cannot change them, the priority list does, so the form shows them read-only.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding and not self.initial.get("definition"):
            self.initial["definition"] = NEW_DEFINITION
        if self.instance.live:
            for name in Segment.LIVE_SETTINGS:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Live: change it from the Priorities list.")
        if matches_everyone(self._definition()):
            # An empty rule lets every visitor in: saved or published only when said so.
            self.fields[CONFIRM_EVERY_VISITOR] = forms.BooleanField(
                label=_("Yes, every visitor should match this segment"),
                required=True,
                error_messages={"required": _("The rule has no conditions: confirm that every visitor should match.")},
            )

    def _definition(self):
        """The definition as posted (bound) or as it will be shown (unbound)."""
        if self.is_bound:
            try:
                return loads_bounded(self.data.get(self.add_prefix("definition")) or "{}")
            except ValueError:  # JSONInputError too: the definition field reports it
                return None
        return self.initial.get("definition", self.instance.definition)


class SegmentIndexView(LeftOutBannerMixin, IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm("personalization.publish_segment"):
            url = reverse("wagtailsnippets_personalization_segment:priorities")
            buttons.append(HeaderButton(_("Priorities"), url=url, icon_name="order"))
        return buttons


class _Authorship:
    """Who created and last changed a segment."""

    def save_instance(self):
        self.form.instance.updated_by = self.request.user
        if self.form.instance._state.adding:
            self.form.instance.created_by = self.request.user
        return super().save_instance()


class SegmentCreateView(_Authorship, CreateView):
    pass


class SegmentEditView(_Authorship, EditView):
    pass


class SegmentViewSet(SnippetViewSet):
    model = Segment
    icon = "group"
    menu_label = _("Segments")
    url_prefix = "personalization/segments"
    index_view_class = SegmentIndexView
    index_template_name = "personalization/admin/segment_index.html"  # with the left-out banner
    add_view_class = SegmentCreateView
    edit_view_class = SegmentEditView
    list_display = ["name", "key", "priority", BooleanColumn("enabled", label=_("On")), LiveStatusTagColumn()]
    list_filter = ["enabled", "live"]
    # A plain database search: a few hundred segments need no search index, and keys are searchable.
    search_fields = ["name", "key", "description"]
    search_backend_name = None
    ordering = ["priority", "key"]
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = SegmentInspectView
    usage_view_class = SegmentUsageView
    inspect_view_fields = ["name", "key", "description", "priority", "enabled", "definition"]

    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("key")]),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("priority"), FieldPanel("enabled")]),
            RulesFieldPanel("definition", widget=RuleBuilderWidget(), heading=_("Conditions")),
            EveryVisitorPanel(),
            MultiFieldPanel([SampleVisitorPanel()], heading=_("Test against a sample visitor")),
            MultiFieldPanel([SegmentFiguresPanel()], heading=_("Reach and trend")),
            PublishingPanel(),
        ],
        base_form_class=SegmentForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("test/", segment_test, name="test"),
            path("priorities/", SegmentPrioritiesView.as_view(), name="priorities"),
            path("toggle/<int:pk>/", segment_toggle, name="toggle"),
            path("replace/<int:pk>/", SegmentReplaceView.as_view(), name="replace"),
        ]


class TraitDefinitionViewSet(SnippetViewSet):
    model = TraitDefinition
    icon = "tag"
    menu_label = _("Traits")
    url_prefix = "personalization/traits"
    list_display = ["name", "type", "category", "retention_days", BooleanColumn("computed"), "description"]
    list_filter = ["type", "category", "computed"]
    search_fields = ["name", "description"]
    ordering = ["name"]


class PlacementViewSet(SnippetViewSet):
    """Slots frontends fill through the decide endpoint: default content and variants per segment."""

    model = Placement
    icon = "placeholder"
    menu_label = _("Placements")
    url_prefix = "personalization/placements"
    list_display = ["name", "key", "mode"]
    search_fields = ["name", "key"]


class ChannelViewSet(SnippetViewSet):
    """Channels (web, app, email, kiosk): CORS origins, cache lifetime and image rendition presets."""

    model = Channel
    icon = "globe"
    menu_label = _("Channels")
    url_prefix = "personalization/channels"
    list_display = ["name", "slug", "cache_max_age"]
    search_fields = ["name", "slug"]


class PersonalisationViewSetGroup(SnippetViewSetGroup):
    items = (
        SegmentViewSet, ExperimentViewSet, TraitDefinitionViewSet, PlacementViewSet, SegmentSearchPromotionViewSet,
        ChannelViewSet, EventTypeViewSet,
    )
    menu_label = _("Personalisation")
    menu_icon = "group"
    menu_order = 300
