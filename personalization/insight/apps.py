from importlib import import_module

from django.apps import AppConfig


class InsightConfig(AppConfig):
    """Feedback, its sentiment, and what changed: the voice-of-the-customer half of issue #17."""

    name = "personalization.insight"
    label = "insight"
    verbose_name = "Customer insight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cms.api.schema import register_component_builder

        from .api_schema import feedback_components
        from .signal_handlers import connect

        register_component_builder(feedback_components)
        connect()
        # Importing the module registers the feedback eraser with the customers' erasure.
        import_module(f"{self.name}.erasure")
