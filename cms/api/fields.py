"""Serializer fields that shape page data for the request's channel."""

from rest_framework.fields import Field

from cms.api.delivery_context import delivery_context
from cms.api.representations import image_representation, link_url, rich_text_html


class ChannelOverridableField(Field):
    """A page attribute that a channel override may replace (title, summary)."""

    def __init__(self, attribute: str, **kwargs):
        self.attribute = attribute
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, page):
        delivery = delivery_context(self.context)
        override = delivery.channel_override(page.pk) if delivery else None
        return (override and getattr(override, self.attribute)) or getattr(page, self.attribute)


class ChannelImageField(Field):
    """An image field expanded to the channel's renditions; a channel override may swap the image."""

    def __init__(self, attribute: str = "hero_image", **kwargs):
        self.attribute = attribute
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, obj):
        delivery = delivery_context(self.context)
        if delivery is None:
            image_id = getattr(obj, f"{self.attribute}_id")
            return image_id and {"id": image_id}
        override = delivery.channel_override(obj.pk) if self.attribute == "hero_image" else None
        image = override.hero_image if override and override.hero_image_id else getattr(obj, self.attribute)
        return image_representation(image, self.context)


class RenditionsField(Field):
    """The channel's renditions of an image (on the images endpoint)."""

    def get_attribute(self, instance):
        return instance

    def to_representation(self, image):
        representation = image_representation(image, self.context) if delivery_context(self.context) else None
        return representation and representation["renditions"]


class AuthorsField(Field):
    """Authors by name and role, in the order the editor gave them."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, authors):
        return [{"id": a.pk, "name": a.name, "role": a.role} for a in authors.all()]


class _WholeObjectField(Field):
    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return instance


class LinkUrlField(_WholeObjectField):
    """A snippet's link: the linked page's URL when this channel may see it, else the external URL."""

    def to_representation(self, item):
        return link_url(item, self.context) if delivery_context(self.context) else item.link_url


class RichTextHtmlField(_WholeObjectField):
    """A rich text field as API-ready HTML."""

    def to_representation(self, item):
        return rich_text_html(item.body, self.context) if delivery_context(self.context) else item.body
