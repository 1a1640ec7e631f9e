from django.apps import AppConfig


class PersonalizationConfig(AppConfig):
    """Channels, segments and the rules engine that decides who sees what."""

    name = "personalization"
    verbose_name = "Personalisation"

    def ready(self) -> None:
        from cms.api.schema import register_component_builder

        from . import signal_handlers
        from .api.events_schema import events_components
        from .api.schema import decide_components

        signal_handlers.connect()
        # The decide endpoint's bodies embed placements' blocks: the delivery schema builds them too.
        register_component_builder(decide_components)
        register_component_builder(events_components)
