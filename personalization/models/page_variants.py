"""Page-level variants: a page may name an alternative page to serve to a segment."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.models import Orderable


class PageVariant(Orderable):
    """Serve `alternative` instead of `page` to members of `segment` (optionally on one channel only).

    Stored with the page's revisions, so a variant is drafted, approved and published
    with the page. The first variant, in segment priority order, wins.
    """

    page = ParentalKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="segment_variants")
    segment = models.ForeignKey("personalization.Segment", on_delete=models.CASCADE, related_name="+")
    alternative = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(
        "cms.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="Only on this channel; empty means every channel.",
    )

    panels = [FieldPanel("segment"), PageChooserPanel("alternative"), FieldPanel("channel")]

    class Meta(Orderable.Meta):
        verbose_name = "page variant"

    def __str__(self) -> str:
        return f"{self.segment} → {self.alternative}"
