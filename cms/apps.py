from django.apps import AppConfig


class CmsConfig(AppConfig):
    """Pages, snippets, images, per-channel content and the durable outbox."""

    name = "cms"
    verbose_name = "Content"

    def ready(self) -> None:
        from django.db import models
        from wagtail.admin.forms.models import register_form_field_override

        from . import checks, signal_handlers  # noqa: F401  (checks register themselves)
        from .api import cors
        from .api import schema  # noqa: F401  (drf-spectacular registers its extensions on definition)
        from .json_input import BoundedJSONField

        signal_handlers.connect()
        cors.connect()
        # Every JSON field edited in the admin (segment definitions, trait choices) decodes within bounds.
        register_form_field_override(models.JSONField, override={"form_class": BoundedJSONField})
