"""Channels and per-channel content: the web site, the mobile app, email, the kiosk — each
reads the hub its own way, and a page may say, show or hide things on one channel.

Channel and ChannelRenditionPreset keep the tables they had in `personalization`
(cms/migrations/0010_channels moved them without moving data).
"""

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.images.exceptions import InvalidFilterSpecError
from wagtail.images.models import Filter
from wagtail.models import Orderable
from wagtail.search import index


class Channel(ClusterableModel):
    """A delivery channel. API keys, overrides, CORS origins and rendition presets hang off it."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    allowed_origins = models.TextField(
        blank=True, help_text="Browser origins allowed to call the API for this channel, one per line."
    )
    cache_max_age = models.PositiveIntegerField(
        default=60, help_text="Seconds that browsers and CDNs may reuse an API response before revalidating."
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("allowed_origins"),
        FieldPanel("cache_max_age"),
        InlinePanel("rendition_presets", heading="Image rendition presets"),
    ]

    class Meta:
        db_table = "personalization_channel"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def origins(self) -> list[str]:
        return [line.strip() for line in self.allowed_origins.splitlines() if line.strip()]


class ChannelRenditionPreset(Orderable):
    """A named image size for a channel, as a Wagtail filter spec (e.g. 'fill-1600x900|format-webp')."""

    channel = ParentalKey(Channel, on_delete=models.CASCADE, related_name="rendition_presets")
    name = models.SlugField(max_length=50, help_text="How the API names this size, e.g. 'hero'.")
    filter_spec = models.CharField(max_length=255)

    panels = [FieldPanel("name"), FieldPanel("filter_spec")]

    class Meta(Orderable.Meta):
        db_table = "personalization_channelrenditionpreset"
        constraints = [models.UniqueConstraint(fields=["channel", "name"], name="unique_channel_preset_name")]

    def __str__(self) -> str:
        return f"{self.name}: {self.filter_spec}"

    def clean(self) -> None:
        try:
            Filter(spec=self.filter_spec).operations
        except InvalidFilterSpecError as exc:
            raise ValidationError({"filter_spec": f"Not a valid image filter: {exc}"}) from exc


class PageChannelOverride(index.Indexed, Orderable):
    """A page's differences on one channel: a shorter title for mobile, another hero for the kiosk.

    Blank fields inherit the page's own value. Stored with the page's revisions
    (a ParentalKey), so overrides are drafted, moderated and published with the page.

    Searchable as documents of their own, filtered by channel: a channel's title or summary
    finds its page on that channel only.
    """

    page = ParentalKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="channel_overrides")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
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

    search_fields = [
        index.SearchField("title", boost=2),
        index.AutocompleteField("title"),
        index.SearchField("summary"),
        index.FilterField("channel"),
        index.FilterField("page"),
    ]

    def __str__(self) -> str:
        return f"{self.channel} override"

    @classmethod
    def get_indexed_objects(cls):
        """Wording of pages search holds (live, unexpired, public), on channels they are offered on."""
        from wagtail.models import Page

        from cms.models.pages import searchable

        pages = searchable(Page.objects.all()).values("pk")
        return cls.objects.filter(page__in=pages, offered=True).exclude(title="", summary="")
