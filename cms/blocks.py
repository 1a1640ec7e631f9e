"""StreamField blocks shared by every page type.

Blocks hold data only; how they are delivered per channel is the API's concern.
"""

from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul", "image"]


def _delivery_context(context) -> bool:
    """True when serialising for Tailor's delivery API (which knows the channel)."""
    return bool(context) and hasattr(context.get("view"), "grant")


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


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "openquote"


class HeroBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    subheading = blocks.CharBlock(required=False, max_length=255)
    image = ChannelImageChooserBlock(required=False)
    call_to_action = CallToActionChooserBlock(required=False)

    class Meta:
        icon = "pick"


class PromoCardsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, max_length=120)
    promos = blocks.ListBlock(PromoChooserBlock(), min_num=1, max_num=6)

    class Meta:
        icon = "list-ul"


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


def campaign_blocks() -> list[tuple[str, blocks.Block]]:
    """Landing pages add campaign blocks to the common set."""
    return [("hero", HeroBlock()), ("promo_cards", PromoCardsBlock()), *content_blocks()]
