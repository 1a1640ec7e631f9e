"""Per-channel content: what a page says, shows or hides on one channel."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable


class PageChannelOverride(Orderable):
    """A page's differences on one channel: a shorter title for mobile, another hero for the kiosk.

    Blank fields inherit the page's own value. Stored with the page's revisions
    (a ParentalKey), so overrides are drafted, moderated and published with the page.
    """

    page = ParentalKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="channel_overrides")
    channel = models.ForeignKey("personalization.Channel", on_delete=models.CASCADE, related_name="+")
    offered = models.BooleanField(
        default=True, help_text="Untick to leave this page out of the channel entirely."
    )
    title = models.CharField(max_length=255, blank=True)
    summary = models.TextField(blank=True)
    hero_image = models.ForeignKey(
        "cms.CustomImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    panels = [
        FieldPanel("channel"),
        FieldPanel("offered"),
        FieldPanel("title"),
        FieldPanel("summary"),
        FieldPanel("hero_image"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["page", "channel"], name="unique_page_channel_override")
        ]

    def __str__(self) -> str:
        return f"{self.channel} override"
