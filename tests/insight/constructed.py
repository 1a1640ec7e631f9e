"""Constructed feedback with a drop tied to one page and one term (tests and the benchmark)."""

import random
from datetime import datetime, timedelta

from personalization.insight.models import Feedback
from personalization.insight.scoring import LEXICON

STEADY = [
    "Delivery was quick and the parcel was fine.", "Support answered my question, thanks.",
    "The prices went up again, not great.", "Lovely fabrics and good sizes.", "The app is slow on my old phone.",
    "Returns were easy.", "Website search could be better.", "Happy with my order.",
]
DROP = [  # "voucher" in every one; the other words vary, so only it rises as one
    "The voucher was rejected, terrible.", "My voucher code does not work, so annoying.",
    "Why is the voucher refused? Awful.", "Voucher failed again, very disappointed.",
    "Useless voucher, I give up.", "The voucher never applies, what a waste of time.",
]


def feedback_with_a_drop(pages, *, start: datetime, days: int = 28, per_day: int = 40, drop_page=None, seed: int = 3) -> list[Feedback]:
    """`days` of steady feedback over `pages`; in the last week a third more items, negative, about
    `drop_page` and the word "voucher"."""
    rng = random.Random(seed)
    rows = []
    for day in range(days):
        late = day >= days - 7
        for n in range(per_day + (per_day // 3 if late else 0)):
            dropping = late and n >= per_day
            text = rng.choice(DROP) if dropping else rng.choice(STEADY)
            page = drop_page if dropping else rng.choice(pages)
            rows.append((text, page, start + timedelta(days=day, minutes=n)))
    scored = LEXICON.score([text for text, _, _ in rows])
    return Feedback.objects.bulk_create(
        Feedback(text=text, source="survey", page=page, occurred_at=at, score=score, label=label, scored_by=LEXICON.version)
        for (text, page, at), (score, label) in zip(rows, scored, strict=True)
    )
