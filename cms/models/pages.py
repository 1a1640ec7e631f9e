"""Page types. Every type has a summary, a hero image and per-channel overrides."""

from django.db import models
from django.shortcuts import redirect, render
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail_headless_preview.models import HeadlessPreviewMixin, PagePreview
from wagtail_headless_preview.settings import headless_preview_settings
from wagtail_headless_preview.signals import preview_update

from cms.api.fields import AuthorsField, ChannelImageField, ChannelOverridableField
from cms.blocks import campaign_blocks, content_blocks
from cms.panels import RegisteredPanels
from cms.preview_tokens import channel_preview_modes, preview_mode_channel, preview_token_value


class BasePage(HeadlessPreviewMixin, Page):
    """Fields, editor tabs and preview modes shared by every page type (abstract)."""

    summary = models.TextField(blank=True, help_text="One or two sentences for listings and cards.")
    hero_image = models.ForeignKey(
        "cms.CustomImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # What search finds: the summary, each channel's title and summary, and filters on the
    # channels the page is offered on (an Elasticsearch filter; the database backend filters
    # through the ORM, as cms.visibility does). Page.search_fields already has title,
    # content type, locale, path and the publish dates.
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.RelatedFields("channel_overrides", [index.SearchField("title"), index.SearchField("summary")]),
        index.FilterField("offered_channel_ids", es_extra={"type": "integer"}),
    ]
    api_fields = [
        APIField("summary", serializer=ChannelOverridableField("summary")),
        APIField("hero_image", serializer=ChannelImageField("hero_image")),
    ]
    summary_panels = [FieldPanel("summary"), FieldPanel("hero_image")]
    body_panels: list = []
    channel_panels = [
        InlinePanel(
            "channel_overrides",
            heading="Per-channel overrides",
            help_text="Differences per channel; blank fields use the page's own value.",
        )
    ]
    personalisation_panels = [
        InlinePanel(
            "segment_variants",
            heading="Page variants",
            help_text="Serve another page to a segment; the first variant in segment priority wins.",
        ),
        RegisteredPanels("personalisation"),  # e.g. each variant's figures (personalization)
    ]

    class Meta:
        abstract = True

    @classmethod
    def get_indexed_objects(cls):
        """Only what an API key could see on some channel: live, unexpired, not under a view restriction.

        Drafts and private pages never reach a search index, so no query can leak them; an
        unpublish, an expiry or a new restriction removes the page (search/indexing.py).
        """
        from django.utils import timezone
        from wagtail.models import PageViewRestriction

        queryset = super().get_indexed_objects().live().exclude(expire_at__lte=timezone.now())
        for path in PageViewRestriction.objects.values_list("page__path", flat=True):
            queryset = queryset.exclude(path__startswith=path)
        return queryset

    def offered_channel_ids(self) -> list[int]:
        """Ids of the channels this page is offered on: every channel but those its overrides leave it out of."""
        from cms.models.channels import Channel

        hidden = {override.channel_id for override in self.channel_overrides.all() if not override.offered}
        return [pk for pk in Channel.objects.values_list("pk", flat=True) if pk not in hidden]

    @property
    def preview_modes(self):
        """'Page' renders here; one 'Frontend' mode per channel, whose token only that channel's keys read."""
        return [("", "Page"), *channel_preview_modes()]

    def serve_preview(self, request, mode_name):
        """A frontend mode stores the draft under a channel-bound token and sends the editor to the frontend."""
        channel_slug = preview_mode_channel(mode_name)
        if channel_slug is None:
            return Page.serve_preview(self, request, mode_name)
        PagePreview.garbage_collect()
        preview = self.create_page_preview(channel_slug=channel_slug)
        preview_update.send(sender=HeadlessPreviewMixin, token=preview.token)
        preview_url = self.get_preview_url(request, preview.token)
        if headless_preview_settings.REDIRECT_ON_PREVIEW:
            return redirect(preview_url)
        return render(request, "wagtail_headless_preview/preview.html", {"preview_url": preview_url})

    def create_page_preview(self, channel_slug: str | None = None) -> PagePreview:
        """Store the draft for the frontend; the token names the channel (without one, no key may read it)."""
        if self.pk is None:
            identifier = f"parent_id={self.get_parent().pk};page_type={self._meta.label}"
        else:
            identifier = f"id={self.pk}"
        if channel_slug:
            identifier = preview_token_value(identifier, channel_slug)
        preview, _ = self.update_page_preview(self.get_preview_signer().sign(identifier))
        return preview

    @classmethod
    def editor_tabs(cls) -> TabbedInterface:
        """The editor's tabs: content, channels, promote and settings."""
        return TabbedInterface(
            [
                ObjectList(cls.content_panels + cls.summary_panels + cls.body_panels, heading="Content"),
                ObjectList(cls.channel_panels, heading="Channels"),
                ObjectList(cls.personalisation_panels, heading="Personalisation"),
                ObjectList(cls.promote_panels, heading="Promote"),
                ObjectList(cls.settings_panels, heading="Settings"),
            ]
        )


class HomePage(BasePage):
    body = StreamField(content_blocks(), blank=True, use_json_field=True)

    body_panels = [FieldPanel("body")]
    search_fields = BasePage.search_fields + [index.SearchField("body")]
    api_fields = BasePage.api_fields + [APIField("body")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1


class SectionPage(BasePage):
    """An index of its children, e.g. 'Guides' or 'Customer stories'."""

    subpage_types = ["cms.ArticlePage", "cms.SectionPage", "cms.LandingPage"]


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey("cms.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items")


class ArticlePage(BasePage):
    publish_date = models.DateField(null=True, blank=True)
    authors = ParentalManyToManyField("cms.Author", blank=True, related_name="articles")
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True)
    body = StreamField(content_blocks(), blank=True, use_json_field=True)

    body_panels = [
        MultiFieldPanel([FieldPanel("publish_date"), FieldPanel("authors"), FieldPanel("tags")], heading="Byline"),
        FieldPanel("body"),
    ]
    search_fields = BasePage.search_fields + [
        index.SearchField("body"),
        index.FilterField("publish_date"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.RelatedFields("authors", [index.SearchField("name")]),
    ]
    api_fields = BasePage.api_fields + [
        APIField("publish_date"),
        APIField("authors", serializer=AuthorsField()),
        APIField("tags"),
        APIField("body"),
    ]
    parent_page_types = ["cms.SectionPage", "cms.HomePage"]
    subpage_types: list[str] = []

    @classmethod
    def get_indexed_objects(cls):
        """Authors with the pages: Wagtail prefetches tags and overrides but not a ParentalManyToManyField,
        and reads each related field three times per page (title, body, completion)."""
        return super().get_indexed_objects().prefetch_related("authors")


class LandingPage(BasePage):
    """A campaign page: hero, call to action, promo cards and personalised blocks."""

    body = StreamField(campaign_blocks(), blank=True, use_json_field=True)

    body_panels = [FieldPanel("body")]
    search_fields = BasePage.search_fields + [index.SearchField("body")]
    api_fields = BasePage.api_fields + [APIField("body")]
    subpage_types: list[str] = []


for _page_class in (HomePage, SectionPage, ArticlePage, LandingPage):
    _page_class.edit_handler = _page_class.editor_tabs()
