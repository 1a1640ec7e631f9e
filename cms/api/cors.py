"""Browser origins per channel: a preflight passes for any channel's origin; the key then decides."""

from corsheaders.signals import check_request_enabled

from cms.api.generation import PerGeneration, content_generation
from cms.models import Channel


def _all_origins() -> frozenset[str]:
    return frozenset(origin for channel in Channel.objects.all() for origin in channel.origins)


def _channel_origins(channel_id: int) -> frozenset[str]:
    channel = Channel.objects.filter(pk=channel_id).first()
    return frozenset(channel.origins) if channel else frozenset()


all_origins = PerGeneration(_all_origins)
channel_origins = PerGeneration(_channel_origins)


def origin_allowed_for_any_channel(sender, request, **kwargs) -> bool:
    origin = request.headers.get("Origin")
    return bool(origin) and origin in all_origins.get(content_generation())


def connect() -> None:
    check_request_enabled.connect(origin_allowed_for_any_channel, dispatch_uid="cms.api.cors")
