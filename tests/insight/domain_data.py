"""A generated domain of app-store feedback whose words the general lexicon misreads.

"crashes", "freezes", "refund", "sold out", "logged out" carry no sentiment in VADER's lexicon,
and "killer", "sick", "insane" read negative there but praise here: a domain model learns both.
"""

import random

NEGATIVE_PHRASES = [
    "the app crashes at checkout", "it freezes on the payment step", "I want a refund", "tickets sold out in seconds",
    "keeps logging me out", "the update wiped my saved cart", "stuck on the loading spinner", "the order never arrived",
    "charged twice for one order", "the delivery slot vanished", "tracking shows nothing for a week",
    "support closed my ticket", "the coupon code is rejected", "the page times out", "battery drains in an hour",
]
POSITIVE_PHRASES = [
    "killer new feature", "the new dashboard is sick", "insane value for the price", "delivery came next morning",
    "checkout takes ten seconds now", "found my size straight away", "the tracking is spot on", "the returns are painless",
    "it remembers my cart across devices", "the dark mode is a killer", "setup took a minute", "renewed for another year",
    "my order arrived early", "the app opens instantly", "the size guide is spot on",
]
FILLERS = ["", "honestly", "this week", "again", "on my phone", "since Tuesday", "for the third time", "as usual"]


def generated_domain(count: int = 600, seed: int = 5) -> tuple[list[str], list[str]]:
    """`count` texts with labels, half positive, half negative."""
    rng = random.Random(seed)
    texts, labels = [], []
    for n in range(count):
        negative = n % 2 == 0
        phrases = NEGATIVE_PHRASES if negative else POSITIVE_PHRASES
        parts = rng.sample(phrases, 2)
        text = f"{parts[0]} {rng.choice(FILLERS)}, {parts[1]}".replace(" ,", ",")
        texts.append(text[0].upper() + text[1:] + ".")
        labels.append("negative" if negative else "positive")
    return texts, labels
