"""JSON shapes of images, snippets and rich text as a channel receives them.

Everything here takes the serializer context, whose `delivery` context knows the request's
channel and content generation, so nested content is shaped per channel too.
"""

from django.urls import reverse
from django.utils.html import escape
from wagtail.rich_text import features
from wagtail.rich_text.rewriters import EmbedRewriter, LinkRewriter, MultiRuleRewriter

from cms.api.filters import parse_id
from cms.api.generation import PerGeneration
from cms.models import ChannelRenditionPreset
from cms.visibility import Visibility


def _channel_presets(channel_id: int) -> tuple[tuple[str, str], ...]:
    return tuple(ChannelRenditionPreset.objects.filter(channel_id=channel_id).values_list("name", "filter_spec"))


channel_presets = PerGeneration(_channel_presets)


def image_representation(image, context) -> dict | None:
    """An image with its alt text, credit, focal point and the channel's renditions."""
    if image is None:
        return None
    delivery = context["delivery"]
    if not delivery.image_is_visible(image):
        return None
    # Memoised per channel and generation: renditions cost a query per image otherwise.
    return channel_images.get(delivery.generation, delivery.generation, delivery.channel_id, image)


def _channel_image(generation: int, channel_id: int, image) -> dict:
    presets = channel_presets.get(generation, channel_id)
    renditions = image.get_renditions(*(spec for _, spec in presets)) if presets else {}
    return {
        "id": image.pk,
        "title": image.title,
        "alt": image.alt_text,
        "credit": image.credit,
        "width": image.width,
        "height": image.height,
        "focal_point": _focal_point(image),
        "renditions": {
            name: {"url": renditions[spec].url, "width": renditions[spec].width, "height": renditions[spec].height}
            for name, spec in presets
        },
    }


channel_images = PerGeneration(_channel_image)


def _focal_point(image) -> dict | None:
    if image.focal_point_x is None:
        return None
    return {
        "x": image.focal_point_x,
        "y": image.focal_point_y,
        "width": image.focal_point_width,
        "height": image.focal_point_height,
    }


def call_to_action_representation(cta, context) -> dict | None:
    if cta is None:
        return None
    return {
        "id": cta.pk,
        "type": "cms.CallToAction",
        "title": cta.title,
        "text": cta.text,
        "button_label": cta.button_label,
        "url": link_url(cta, context),
    }


def promo_representation(promo, context) -> dict | None:
    if promo is None:
        return None
    return {
        "id": promo.pk,
        "type": "cms.Promo",
        "title": promo.title,
        "body": rich_text_html(promo.body, context),
        "image": image_representation(promo.image, context),
        "url": link_url(promo, context),
    }


def link_url(item, context) -> str:
    if item.link_page_id and context["delivery"].page_is_visible(item.link_page_id):
        return item.link_page.url or ""
    return item.link_url


def _page_link_rule(visibility: Visibility):
    visible_ids = visibility.page_ids

    def rule(attrs_list: list[dict]) -> list[str]:
        from wagtail.models import Page

        ids = {parse_id(attrs.get("id", "")) for attrs in attrs_list} - {None}
        visible = {page.pk: page for page in Page.objects.filter(pk__in=ids) if page.pk in visible_ids}
        tags = []
        for attrs in attrs_list:
            page = visible.get(parse_id(attrs.get("id", "")))
            if page is None:
                tags.append("<a>")  # a link to something this channel may not see says nothing about it
                continue
            api_url = reverse("tailorapi:pages:detail", args=[page.pk])
            tags.append(f'<a href="{escape(page.url or "")}" data-page-id="{page.pk}" data-api-url="{escape(api_url)}">')
        return tags

    return rule


def _entity_id(attrs: dict) -> int | None:
    return parse_id(str(attrs.get("id", "")))


def _collection_member_rule(handler, private_collection_ids: frozenset[int], hidden: str):
    """A handler's rule that renders only items outside private collections (else `hidden`).

    Rich text links to documents and embedded images name their item by id; an item in a
    private collection (or a sub-collection of one) must render as if it did not exist,
    without its URL, file name or title.
    """
    model = handler.get_model()

    def rule(attrs_list: list[dict]) -> list[str]:
        ids = {pk for pk in map(_entity_id, attrs_list) if pk is not None}
        visible = set(
            model._default_manager.filter(pk__in=ids).exclude(collection_id__in=private_collection_ids)
            .values_list("pk", flat=True)
        ) if ids else set()
        shown = [attrs for attrs in attrs_list if _entity_id(attrs) in visible]
        rendered = iter(handler.expand_db_attributes_many(shown) if shown else ())
        return [next(rendered) if _entity_id(attrs) in visible else hidden for attrs in attrs_list]

    return rule


def _in_collections(handler) -> bool:
    from wagtail.models import CollectionMember

    try:
        model = handler.get_model()
    except Exception:  # handlers without a model (external links, oEmbed media)
        return False
    return isinstance(model, type) and issubclass(model, CollectionMember)


def rich_text_html(source: str, context) -> str:
    """Rich text as HTML whose internal links point at visible pages and their API URLs.

    Links and embeds of items in private collections (documents, images) say nothing about them.
    """
    delivery = context["delivery"]
    # Memoised: the same source renders the same for everyone who sees the same pages.
    return rich_texts.get(delivery.generation, delivery.visibility, source or "")


def _rich_text_html(visibility: Visibility, source: str) -> str:
    private = visibility.private_collection_ids
    link_rules = {
        linktype: _collection_member_rule(handler, private, "<a>") if _in_collections(handler)
        else handler.expand_db_attributes_many
        for linktype, handler in features.get_link_types().items()
    }
    link_rules["page"] = _page_link_rule(visibility)
    embed_rules = {
        kind: _collection_member_rule(handler, private, "") if _in_collections(handler)
        else handler.expand_db_attributes_many
        for kind, handler in features.get_embed_types().items()
    }
    return MultiRuleRewriter([LinkRewriter(bulk_rules=link_rules), EmbedRewriter(bulk_rules=embed_rules)])(source)


rich_texts = PerGeneration(_rich_text_html)
