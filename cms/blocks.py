"""StreamField blocks shared by every page type.

Blocks hold data only; how they are delivered per channel is the API's concern.
"""

from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul", "image"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
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
    image = ImageChooserBlock(required=False)
    call_to_action = SnippetChooserBlock("cms.CallToAction", required=False)

    class Meta:
        icon = "pick"


class PromoCardsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, max_length=120)
    promos = blocks.ListBlock(SnippetChooserBlock("cms.Promo"), min_num=1, max_num=6)

    class Meta:
        icon = "list-ul"


def content_blocks() -> list[tuple[str, blocks.Block]]:
    """The blocks every body offers: articles and landing pages alike."""
    return [
        ("heading", blocks.CharBlock(form_classname="title", icon="title", max_length=120)),
        ("paragraph", blocks.RichTextBlock(features=RICH_TEXT_FEATURES)),
        ("image", ImageBlock()),
        ("quote", QuoteBlock()),
        ("embed", EmbedBlock(icon="media")),
        ("call_to_action", SnippetChooserBlock("cms.CallToAction", icon="link")),
    ]


def campaign_blocks() -> list[tuple[str, blocks.Block]]:
    """Landing pages add campaign blocks to the common set."""
    return [("hero", HeroBlock()), ("promo_cards", PromoCardsBlock()), *content_blocks()]
