"""Start-up checks: misconfiguration fails at start, not at the first request."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def check_secret_key(app_configs, **kwargs):
    """Refuse the public development key whenever DEBUG is off."""
    if settings.DEBUG:
        return []
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 32:
        return [
            Error(
                "DEBUG is off but SECRET_KEY is the development key or shorter than 32 characters.",
                hint="Set SECRET_KEY to a long random value in the environment.",
                id="tailor.E001",
            )
        ]
    return []
