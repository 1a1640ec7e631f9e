from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Holds project-wide system checks; has no models."""

    name = "config"
    label = "tailor_config"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
