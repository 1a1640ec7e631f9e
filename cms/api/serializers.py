"""Wagtail's page serializer with every page relation passed through the visibility function."""

from taggit.managers import _TaggableManager
from wagtail.api.v2.serializers import PageAliasOfField, PageParentField, PageSerializer, TagsField

from cms.api.delivery_context import delivery_context
from cms.api.generation import PerGeneration


def _tag_names(instance, manager_name: str) -> tuple[str, ...]:
    return tuple(getattr(instance, manager_name).all().order_by("name").values_list("name", flat=True))


tag_names = PerGeneration(_tag_names)


class VisibleAliasOfField(PageAliasOfField):
    """`meta.alias_of`, only when the original page is visible to this request.

    Wagtail checks `parent` against the request's pages but not `alias_of`: an alias in
    a public place would name its original's id, title and URL, which may lie under a
    view restriction, be unpublished or not be offered on the key's channel.
    """

    def get_attribute(self, instance):
        original = instance.alias_of
        delivery = delivery_context(self.context)
        if original is not None and delivery is not None and not delivery.page_is_visible(original.pk):
            return None
        return original


class VisibleParentField(PageParentField):
    """`meta.parent` when visible, by the view's memoised visible ids rather than a query per page."""

    def get_attribute(self, instance):
        delivery = delivery_context(self.context)
        if delivery is None:
            return super().get_attribute(instance)
        parent = instance.get_parent()
        return parent if parent is not None and delivery.page_is_visible(parent.pk) else None


class MemoisedTagsField(TagsField):
    """Wagtail's tag names, memoised per content generation (tags change only with a publish)."""

    def to_representation(self, value):
        delivery = delivery_context(self.context)
        if delivery is None:
            return super().to_representation(value)
        return list(tag_names.get(delivery.generation, value.instance, value.prefetch_cache_name))


class DeliveryPageSerializer(PageSerializer):
    parent = VisibleParentField(read_only=True)
    alias_of = VisibleAliasOfField(read_only=True)

    def build_property_field(self, field_name, model_class):
        if isinstance(getattr(model_class, field_name), _TaggableManager):
            return MemoisedTagsField, {}
        return super().build_property_field(field_name, model_class)
