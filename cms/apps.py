from django.apps import AppConfig


class CmsConfig(AppConfig):
    """Pages, snippets, images, per-channel content and the durable outbox."""

    name = "cms"
    verbose_name = "Content"

    def ready(self) -> None:
        from . import checks, signal_handlers  # noqa: F401  (checks register themselves)
        from .api import cors

        signal_handlers.connect()
        cors.connect()
