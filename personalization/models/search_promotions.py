"""Search promotions for one segment: Wagtail's promoted results, shown only to the segment's members."""

from django.db import models


class SegmentSearchPromotion(models.Model):
    """Pin `page` first in the results of `query` for members of `segment` (search.promotions).

    The query is Wagtail's (`wagtailsearchpromotions.Query`, one row per normalised query
    string), so one query's promotions for everyone and per segment sit side by side.
    """

    query = models.ForeignKey(
        "wagtailsearchpromotions.Query", on_delete=models.CASCADE, related_name="segment_promotions"
    )
    segment = models.ForeignKey("personalization.Segment", on_delete=models.CASCADE, related_name="search_promotions")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    sort_order = models.IntegerField(default=0, help_text="Lower first, among this query's promotions.")
    description = models.TextField(blank=True, help_text="Why it is promoted (shown in the API's explanation).")

    class Meta:
        ordering = ["query__query_string", "sort_order", "pk"]
        verbose_name = "segment search promotion"
        constraints = [
            models.UniqueConstraint(fields=["query", "segment", "page"], name="segment_search_promotion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.query} → {self.page} for {self.segment}"
