"""Wagtail's page serializer with every page relation passed through the visibility function."""

from wagtail.api.v2.serializers import PageAliasOfField, PageSerializer


class VisibleAliasOfField(PageAliasOfField):
    """`meta.alias_of`, only when the original page is visible to this request.

    Wagtail checks `parent` against the request's pages but not `alias_of`: an alias in
    a public place would name its original's id, title and URL, which may lie under a
    view restriction, be unpublished or not be offered on the key's channel.
    """

    def get_attribute(self, instance):
        original = instance.alias_of
        view = self.context.get("view")
        if original is not None and hasattr(view, "page_is_visible") and not view.page_is_visible(original.pk):
            return None
        return original


class DeliveryPageSerializer(PageSerializer):
    alias_of = VisibleAliasOfField(read_only=True)
