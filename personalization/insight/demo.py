"""Demo feedback written for the project: 60 days of survey answers, tickets and reviews, with a
drop in the last week tied to one page (the spring offer) and one term ("voucher").

Deterministic (a fixed seed; dates count back from the seeding day, so the drop is always
"last week" on the README's tour). Some items are labelled, so a marketer can train the domain
model straight away.
"""

import random
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from django.db import transaction

from cms.demo import Progress, no_progress

from .models import Feedback, FeedbackSegment
from .scoring import LEXICON
from .sentiment import NEGATIVE, NEUTRAL, POSITIVE

DAYS = 60
PER_DAY = 45
DROP_DAYS = 7
DROP_PER_DAY = 25
PREFIX = "demo-fb-"
LABELLED_EVERY = 15  # one item in 15 carries a marketer's label
SEED = 1717

WRITTEN = {
    POSITIVE: [
        "Delivery was quick and the parcel arrived in perfect shape.", "Love the new spring collection, great colours.",
        "The size guide was spot on, everything fits.", "Support sorted my return in minutes, thank you!",
        "Checkout on the app is so smooth now.", "Great prices this season, I bought three jackets.",
        "The newsletter tips were really helpful.", "Lovely quality fabric, will order again.",
        "Fast refund, friendly staff, very happy.", "The new wishlist feature is brilliant.",
    ],
    NEUTRAL: [
        "I ordered the blue jacket on Tuesday.", "Is the store in Leeds open on Sundays?",
        "Changed my delivery address in the account settings.", "The parcel came with two separate labels.",
        "How long do returns usually take?", "I use the app mostly on my tablet.",
    ],
    NEGATIVE: [
        "The jacket was smaller than the size guide said.", "Delivery took nine days, too slow.",
        "The app logged me out twice during checkout.", "Support kept me waiting forty minutes on the phone.",
        "The colour looks faded after one wash, disappointed.",
    ],
}
# The induced drop: the spring offer's voucher stopped working.
DROP = [
    "The spring voucher is rejected at checkout, really annoying.", "My voucher code does not work on the spring offer.",
    "Why does the voucher fail every time? Terrible.", "Voucher refused again, I gave up on the order.",
    "The spring offer page promises a voucher that never applies. Frustrating.",
    "Tried the voucher three times, error every time, awful experience.",
]
SOURCES = ["survey", "survey", "support", "app_review", "social", "email"]
MIX = [POSITIVE] * 5 + [NEUTRAL] * 2 + [NEGATIVE] * 2


def demo_feedback_seed(
    *, pages: Sequence, channels: Sequence, segments: Sequence[str], visitors: Sequence[str],
    reset: bool = False, progress: Progress = no_progress, now: datetime | None = None,
) -> int:
    """Seed the demo feedback once (again with `reset`); returns how many items exist."""
    if reset:
        Feedback.objects.filter(external_id__startswith=PREFIX).delete()
    if Feedback.objects.filter(external_id__startswith=PREFIX).exists() or not pages:
        return Feedback.objects.count()
    rng = random.Random(SEED)
    today = (now or datetime.now(timezone.utc)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=DAYS - 1)
    pages = list(pages)
    spring = next((page for page in pages if page.slug == "spring-offer"), pages[-1])
    others = [page for page in pages if page.pk != spring.pk] or pages
    rows, labels = [], []
    for day in progress(range(DAYS), "feedback"):
        dropping = day >= DAYS - DROP_DAYS
        for n in range(PER_DAY + (DROP_PER_DAY if dropping else 0)):
            if dropping and n >= PER_DAY:
                text, truth, page = rng.choice(DROP), NEGATIVE, spring
            else:
                truth = rng.choice(MIX)
                text, page = rng.choice(WRITTEN[truth]), rng.choice(others)
            visitor = rng.choice(visitors) if visitors and rng.random() < 0.4 else ""
            rows.append(Feedback(
                text=text, source=rng.choice(SOURCES), channel=rng.choice(channels) if channels else None,
                visitor_id=visitor, page=page, occurred_at=start + timedelta(days=day, minutes=rng.randrange(24 * 60)),
                external_id=f"{PREFIX}{day:02d}-{n:03d}", language="en",
                segments=[rng.choice(segments)] if segments and rng.random() < 0.5 else [],
            ))
            labels.append(truth)
    scored = LEXICON.score([row.text for row in rows])
    for number, (row, (score, label), truth) in enumerate(zip(rows, scored, labels, strict=True)):
        row.score, row.label, row.scored_by = score, label, LEXICON.version
        row.human_label = truth if number % LABELLED_EVERY == 0 else ""
    with transaction.atomic():
        created = Feedback.objects.bulk_create(rows, batch_size=1000)
        FeedbackSegment.objects.bulk_create(
            [FeedbackSegment(feedback_id=row.pk, segment_key=key, occurred_at=row.occurred_at, day=row.day) for row in created for key in row.segments],
            batch_size=1000,
        )
    return Feedback.objects.count()
