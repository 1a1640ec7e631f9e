"""Preview as anyone: a signed simulation of channel attributes, segments and a date and time.

The admin issues the token; a frontend passes it back as `simulate=<token>` with a
`preview`-scoped key of the simulated channel and sees what that visitor would see. The
token is signed and expires, so it cannot be forged into a way of choosing variants.
"""

from datetime import datetime

from django.conf import settings
from django.core import signing

from personalization.request_context import ContextError

SALT = "tailor.simulate"
FIELDS = ("channel", "segments", "device", "country", "region", "locale", "now")


def simulation_token(*, channel: str = "", segments: list[str] | None = None, device: str = "", country: str = "", region: str = "", locale: str = "", now: datetime | None = None) -> str:
    """A signed token describing a simulated visitor; empty fields are not simulated.

    A ``channel`` binds the token to that channel's keys (see ``simulation_check_channel``).
    """
    data = {"channel": channel, "segments": segments, "device": device, "country": country, "region": region,
            "locale": locale, "now": now.isoformat() if now else ""}
    return signing.dumps({key: value for key, value in data.items() if value}, salt=SALT, compress=True)


def simulation_from_token(token: str) -> dict:
    """The simulation a token describes; ContextError when it is forged or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PREVIEW_TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ContextError("simulate", "simulation token has expired: open the preview again") from exc
    except signing.BadSignature as exc:
        raise ContextError("simulate", "simulation token is not valid") from exc
    if data.get("now"):
        data["now"] = datetime.fromisoformat(data["now"])
    return {key: data[key] for key in FIELDS if key in data}


def simulation_check_channel(simulation: dict, channel: str) -> None:
    """ContextError when the simulation was made for another channel than the request's.

    The channel comes from the API key (it also decides which content is visible), so a
    preview for another channel cannot be shown faithfully: better refused than misleading.
    """
    wanted = simulation.get("channel")
    if wanted and wanted != channel:
        raise ContextError("simulate", f"this preview is for the '{wanted}' channel: use a preview key of that channel")
