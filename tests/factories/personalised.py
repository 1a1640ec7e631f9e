"""Raw StreamField data for personalised blocks, as the page editor would save it."""

import uuid


def _id() -> str:
    return str(uuid.uuid4())


def heading(text: str) -> dict:
    return {"type": "heading", "value": text, "id": _id()}


def personalised_block(slot: str, default: str, variants: list[tuple[list, list[str], str]], mode: str = "first") -> dict:
    """A `personalised` stream child: variants are (segments, channel slugs, heading text)."""
    return {
        "type": "personalised",
        "id": _id(),
        "value": {
            "slot": slot,
            "mode": mode,
            "default": [heading(default)],
            "variants": [
                {
                    "type": "item",
                    "id": _id(),
                    "value": {
                        "segments": [{"type": "item", "value": segment.pk, "id": _id()} for segment in segments],
                        "channels": channels,
                        "content": [heading(text)],
                    },
                }
                for segments, channels, text in variants
            ],
        },
    }
