"""The three labels an item can carry, and how a score in [-1, 1] maps onto them."""

POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"
LABELS: tuple[str, ...] = (NEGATIVE, NEUTRAL, POSITIVE)

# VADER's authors' own cut-off on the compound score: within ±0.05 a text says nothing either way.
NEUTRAL_BAND = 0.05


def label_for(score: float) -> str:
    """The label of a score in [-1, 1]."""
    if score >= NEUTRAL_BAND:
        return POSITIVE
    if score <= -NEUTRAL_BAND:
        return NEGATIVE
    return NEUTRAL
