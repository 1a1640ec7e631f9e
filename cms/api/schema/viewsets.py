"""Which viewsets DeliveryApiSchema describes: every one on DeliveryMixin, through a view extension.

The views declare no schema (DRF's default, drf-spectacular's AutoSchema, which cannot infer
Wagtail's per-request serializers). Instead of assigning `schema` on DeliveryMixin at import,
drf-spectacular's OpenApiViewExtension hands the generator, for the time of one view's
description, a subclass that declares DeliveryApiSchema; the views themselves are untouched.
"""

from drf_spectacular.extensions import OpenApiViewExtension

from cms.api.schema.operations import DeliveryApiSchema
from cms.api.views import DeliveryMixin


def _schema_comes_from_mixin(view_cls: type) -> bool:
    """Whether `view_cls.schema` is looked up past DeliveryMixin (no class before it declares one).

    A delivery view that declares its own schema keeps it, as attribute lookup would give it.
    """
    for cls in view_cls.__mro__:
        if cls is DeliveryMixin:
            return True
        if "schema" in vars(cls):
            return False
    return False


class DeliveryViewSetExtension(OpenApiViewExtension):
    """DeliveryApiSchema for DeliveryMixin and every subclass (a viewset added later included)."""

    target_class = DeliveryMixin
    match_subclasses = True

    def view_replacement(self) -> type:
        """The viewset with `schema = DeliveryApiSchema()`, under the viewset's own name."""
        view_cls = self.target
        if not _schema_comes_from_mixin(view_cls):
            return view_cls
        return type(
            view_cls.__name__,
            (view_cls,),
            {
                "schema": DeliveryApiSchema(),
                "__module__": view_cls.__module__,
                "__qualname__": view_cls.__qualname__,
                "__doc__": view_cls.__doc__,
            },
        )
