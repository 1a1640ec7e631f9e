"""Segment-only search promotions: their admin and the provider that search asks (search.promotions).

Search may not import this app; it asks the registered provider for the rows pinned for a
query and lets the request's personalisation decision say whether the visitor is in each
row's segment.
"""

from django import forms
from django.db.models.signals import post_delete, post_save
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList, PageChooserPanel
from wagtail.contrib.search_promotions.models import Query
from wagtail.search.utils import MAX_QUERY_STRING_LENGTH, normalise_query_string
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.signal_handlers import invalidate_api_responses
from personalization.models import SegmentSearchPromotion
from search.promotions import SegmentPromotionRow


class SegmentPromotionProvider:
    """The rows of `SegmentSearchPromotion` for a normalised query string (one query)."""

    def segment_promotions(self, query_string: str) -> tuple[SegmentPromotionRow, ...]:
        rows = (
            SegmentSearchPromotion.objects.filter(query__query_string=query_string)
            .order_by("sort_order", "pk")
            .values_list("segment_id", "segment__key", "page_id", "sort_order", "description")
        )
        return tuple(SegmentPromotionRow(*row) for row in rows)


class SegmentSearchPromotionForm(WagtailAdminModelForm):
    """The query as words (normalised as Wagtail's promotions normalise it), not a choice of stored queries."""

    query_string = forms.CharField(
        max_length=MAX_QUERY_STRING_LENGTH, label="Search query",
        help_text="The words visitors search for; capitals and extra spaces do not matter.",
    )

    class Meta:
        model = SegmentSearchPromotion
        exclude = ["query"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["query_string"] = self.instance.query.query_string

    def clean_query_string(self) -> str:
        value = normalise_query_string(self.cleaned_data["query_string"])
        if not value:
            raise forms.ValidationError("Enter words a visitor would search for.")
        return value

    def save(self, commit=True):
        self.instance.query = Query.get(self.cleaned_data["query_string"])
        return super().save(commit)


class SegmentSearchPromotionViewSet(SnippetViewSet):
    model = SegmentSearchPromotion
    icon = "pick"
    menu_label = "Search promotions"
    list_display = ["query", "segment", "page", "sort_order"]
    list_filter = ["segment"]
    edit_handler = ObjectList(
        [
            FieldPanel("query_string"), FieldPanel("segment"), PageChooserPanel("page"), FieldPanel("sort_order"),
            FieldPanel("description"),
        ],
        base_form_class=SegmentSearchPromotionForm,
    )


def connect() -> None:
    """A segment promotion edited changes search answers: no cached body may outlive it."""
    for signal, verb in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            invalidate_api_responses, sender=SegmentSearchPromotion,
            dispatch_uid=f"personalization.search-promotion.{verb}",
        )
