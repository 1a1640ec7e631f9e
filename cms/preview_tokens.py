"""Frontend preview tokens tied to one channel.

wagtail-headless-preview signs `id=<page id>` (or the parent and type of a new page);
ours also names the channel the editor previews for, so that only a key of that
channel can read the draft: a mobile key must not read what was previewed for web.
"""

from django.apps import apps

from cms.api.generation import PerGeneration, content_generation

# The admin's preview modes for frontends: one per channel, e.g. `headless:web`.
HEADLESS_MODE_PREFIX = "headless:"
_CHANNEL_PART = "channel="


def preview_token_value(identifier: str, channel_slug: str) -> str:
    """The signed value of a token for `identifier` (the page) previewed on `channel_slug`."""
    return f"{identifier};{_CHANNEL_PART}{channel_slug}"


def preview_token_channel(value: str) -> str | None:
    """The channel slug an unsigned token value names; None for a token made for no channel."""
    for part in value.split(";"):
        if part.startswith(_CHANNEL_PART):
            return part.removeprefix(_CHANNEL_PART) or None
    return None


def preview_mode_channel(mode_name: str) -> str | None:
    """The channel slug of a headless preview mode; None for other modes."""
    if mode_name.startswith(HEADLESS_MODE_PREFIX):
        return mode_name.removeprefix(HEADLESS_MODE_PREFIX) or None
    return None


def _channel_preview_modes() -> tuple[tuple[str, str], ...]:
    channels = apps.get_model("cms", "Channel").objects.order_by("name").values_list("slug", "name")
    return tuple((f"{HEADLESS_MODE_PREFIX}{slug}", f"Frontend: {name}") for slug, name in channels)


# Admin page listings ask every page for its preview modes: one cache read, not a query each
# (a channel change moves the content generation).
_channel_preview_modes_memo = PerGeneration(_channel_preview_modes)


def channel_preview_modes() -> list[tuple[str, str]]:
    """One frontend preview mode per channel, e.g. ("headless:web", "Frontend: Web")."""
    return list(_channel_preview_modes_memo.get(content_generation()))
