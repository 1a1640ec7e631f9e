"""How the schema reaches the views: drf-spectacular extensions and AppConfig.ready, no patching on import."""

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from rest_framework.views import APIView
from wagtail.api.v2.views import BaseAPIViewSet

from cms.api.router import api_router
from cms.api.schema import EXTRA_COMPONENTS, DeliveryApiSchema, register_component_builder
from cms.api.views import DeliveryMixin
from personalization.api.schema import DecideSchema, decide_components
from personalization.api.views import DecideView


def test_no_view_class_is_given_a_schema_attribute():
    # Only DRF's own default (APIView.schema) and a view's own declaration may define `schema`.
    for view_cls in [DeliveryMixin, *api_router._endpoints.values()]:
        owners = [cls for cls in view_cls.__mro__ if "schema" in vars(cls)]
        assert owners in ([], [APIView]), (view_cls, owners)


def test_every_delivery_view_is_described_by_delivery_api_schema_and_left_as_it_was():
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    described = set()
    for path, _regex, method, callback in generator.endpoints:
        original = callback.cls
        view = generator.create_view(callback, method)
        assert callback.cls is original, "the generator's replacement must not outlive the description"
        if issubclass(original, DeliveryMixin):
            assert isinstance(view.schema, DeliveryApiSchema), path
            assert isinstance(view, original) and type(view).__name__ == original.__name__
            described.add(original)
        elif original is DecideView:
            assert isinstance(view.schema, DecideSchema)  # its own, which the extension leaves alone
    assert described == set(api_router._endpoints.values())


class OwnSchemaViewSet(DeliveryMixin, BaseAPIViewSet):
    schema = AutoSchema()


class PlainViewSet(DeliveryMixin, BaseAPIViewSet):
    pass


def test_a_delivery_view_that_declares_its_own_schema_keeps_it():
    own = OpenApiViewExtension.get_match(OwnSchemaViewSet.as_view({"get": "listing_view"}))
    assert own.view_replacement() is OwnSchemaViewSet
    plain = OpenApiViewExtension.get_match(PlainViewSet.as_view({"get": "listing_view"}))
    replacement = plain.view_replacement()
    assert issubclass(replacement, PlainViewSet) and replacement is not PlainViewSet
    assert isinstance(vars(replacement)["schema"], DeliveryApiSchema)
    assert "schema" not in vars(PlainViewSet)


def test_decide_components_are_registered_once_by_the_app_config():
    assert EXTRA_COMPONENTS.count(decide_components) == 1
    register_component_builder(decide_components)  # as a second ready() would
    assert EXTRA_COMPONENTS.count(decide_components) == 1
