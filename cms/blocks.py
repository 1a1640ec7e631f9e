"""StreamField blocks shared by every page type.

Blocks hold data only; how they are delivered per channel is the API's concern.
"""

from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul", "image"]


def _delivery_context(context) -> bool:
    """True when serialising for Tailor's delivery API (its context carries the request's channel)."""
    return bool(context) and context.get("delivery") is not None


class ChannelImageChooserBlock(ImageChooserBlock):
    """An image that the delivery API expands to the channel's renditions."""

    def get_api_representation(self, value, context=None):
        if _delivery_context(context):
            from cms.api.representations import image_representation

            return image_representation(value, context)
        return super().get_api_representation(value, context)


class CallToActionChooserBlock(SnippetChooserBlock):
    def __init__(self, **kwargs):
        super().__init__("cms.CallToAction", **kwargs)

    class Meta:
        template = "cms/blocks/call_to_action.html"

    def get_api_representation(self, value, context=None):
        if _delivery_context(context):
            from cms.api.representations import call_to_action_representation

            return call_to_action_representation(value, context)
        return super().get_api_representation(value, context)


class PromoChooserBlock(SnippetChooserBlock):
    def __init__(self, **kwargs):
        super().__init__("cms.Promo", **kwargs)

    def get_api_representation(self, value, context=None):
        if _delivery_context(context):
            from cms.api.representations import promo_representation

            return promo_representation(value, context)
        return super().get_api_representation(value, context)


class ApiRichTextBlock(blocks.RichTextBlock):
    """Rich text whose internal links the delivery API rewrites to visible pages and API URLs."""

    def get_api_representation(self, value, context=None):
        if _delivery_context(context):
            from cms.api.representations import rich_text_html

            return rich_text_html(value.source, context)
        return super().get_api_representation(value, context)


class ImageBlock(blocks.StructBlock):
    image = ChannelImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=255)

    class Meta:
        icon = "image"
        template = "cms/blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "openquote"
        template = "cms/blocks/quote.html"


class HeroBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    subheading = blocks.CharBlock(required=False, max_length=255)
    image = ChannelImageChooserBlock(required=False)
    call_to_action = CallToActionChooserBlock(required=False)

    class Meta:
        icon = "pick"
        template = "cms/blocks/hero.html"


class PromoCardsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, max_length=120)
    promos = blocks.ListBlock(PromoChooserBlock(), min_num=1, max_num=6)

    class Meta:
        icon = "list-ul"
        template = "cms/blocks/promo_cards.html"


def content_blocks() -> list[tuple[str, blocks.Block]]:
    """The blocks every body offers: articles and landing pages alike."""
    return [
        ("heading", blocks.CharBlock(form_classname="title", icon="title", max_length=120)),
        ("paragraph", ApiRichTextBlock(features=RICH_TEXT_FEATURES)),
        ("image", ImageBlock()),
        ("quote", QuoteBlock()),
        ("embed", EmbedBlock(icon="media")),
        ("call_to_action", CallToActionChooserBlock(icon="link")),
    ]


def channel_choices() -> list[tuple[str, str]]:
    """Channels as block choices, read when the editor opens (channels are data)."""
    from cms.models import Channel

    return list(Channel.objects.values_list("slug", "name"))


class VariantBlock(blocks.StructBlock):
    """Content for members of any of the segments (none: anyone) on any of the channels (none: all)."""

    segments = blocks.ListBlock(SnippetChooserBlock("personalization.Segment"), default=[], required=False)
    channels = blocks.MultipleChoiceBlock(choices=channel_choices, required=False)
    content = blocks.StreamBlock(content_blocks())

    class Meta:
        icon = "group"


class PersonalisedBlock(blocks.StructBlock):
    """A slot whose content the rules engine chooses per visitor and channel.

    The delivery API resolves it; other consumers (Wagtail's own API, templates) see
    the default content.
    """

    slot = blocks.CharBlock(max_length=64, help_text="Names this slot in explanations and analytics.")
    mode = blocks.ChoiceBlock(
        choices=[("first", "The best matching variant"), ("all", "Every matching variant, best first")],
        default="first",
    )
    default = blocks.StreamBlock(content_blocks(), required=False)
    variants = blocks.ListBlock(VariantBlock(), default=[])

    class Meta:
        icon = "user"
        template = "cms/blocks/personalised.html"

    def get_context(self, value, parent_context=None):
        """Templates show the default, or the chosen variants in a 'preview as' rendering."""
        context = super().get_context(value, parent_context)
        state = (parent_context or {}).get("tailor_personalization")
        context["contents"] = state.choose(value)[0] if state else [value["default"]]
        return context

    def get_api_representation(self, value, context=None):
        if not _delivery_context(context):
            return super().get_api_representation(value, context)
        return context["delivery"].personalization.resolve_block(value, context)

    def get_searchable_content(self, value):
        """The default content only: a variant is meant for its segments, and search answers everyone."""
        return self.child_blocks["default"].get_searchable_content(value["default"])


def campaign_blocks() -> list[tuple[str, blocks.Block]]:
    """Landing pages add campaign blocks and personalised slots to the common set."""
    return [
        ("hero", HeroBlock()),
        ("promo_cards", PromoCardsBlock()),
        ("personalised", PersonalisedBlock()),
        *content_blocks(),
    ]
