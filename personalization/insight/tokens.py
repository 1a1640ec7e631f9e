"""Words of a feedback text as the drop explanation counts them: lower-case, no stop words."""

import re

WORD = re.compile(r"[a-z][a-z'\-]{1,30}")
STOP_WORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being but by can
    could did do does doing don't for from had has have having he her here hers him his how i i'm if in
    into is it it's its just me more most my no nor not of off on once only or other our out over own same
    she should so some such than that that's the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours it's i've i'd we're they're can't won't didn't doesn't isn't wasn't""".split()
)


def terms(text: str) -> set[str]:
    """The distinct content words of a text (each counted once per item: one angry customer
    repeating a word five times is still one customer)."""
    return {word.strip("'-") for word in WORD.findall(text.lower())} - STOP_WORDS - {""}
