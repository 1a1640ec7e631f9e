from django.apps import AppConfig


class CmsConfig(AppConfig):
    """Pages, snippets, images, per-channel content and the durable outbox."""

    name = "cms"
    verbose_name = "Content"

    def ready(self) -> None:
        from . import signal_handlers
        from .api import cors

        signal_handlers.connect()
        cors.connect()
