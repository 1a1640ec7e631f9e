from django.apps import AppConfig


class PersonalizationConfig(AppConfig):
    """Channels, segments and the rules engine that decides who sees what."""

    name = "personalization"
    verbose_name = "Personalisation"

    def ready(self) -> None:
        from . import signal_handlers

        signal_handlers.connect()
