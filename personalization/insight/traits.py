"""Each consenting visitor's recent sentiment as the trait `sentiment` (category crm).

The mean score of their feedback of the last WINDOW_DAYS; a visitor with none in the window
loses the trait, so a rule on `trait.sentiment` never matches on stale feedback.
"""

from datetime import datetime, timedelta, timezone

from django.db import transaction
from django.db.models import Avg

from cms.outbox import outbox_handler
from personalization.models import TraitDefinition, VisitorProfile
from personalization.profiles import profile_forget_cached

from .models import Feedback

TRAIT = "sentiment"
WINDOW_DAYS = 30
# The periodic refresh looks this far past the window: a visitor whose last item aged out since
# the previous run is refreshed (and loses the trait) even if a run or two was missed.
MAINTAIN_MARGIN_DAYS = 3


def sentiment_trait_ensure() -> None:
    """`sentiment` in the catalogue as a computed CRM number, so rules offer it and imports refuse it."""
    TraitDefinition.objects.update_or_create(
        name=TRAIT,
        defaults={"type": "number", "category": "crm", "computed": True,
                  "description": "Mean sentiment of the visitor's feedback over 30 days, -1 to 1 (computed by the hub)."},
    )


@outbox_handler(retry_delays=(10, 60, 300))
def sentiment_traits_refresh(*, visitor_ids: list[str], now: str | None = None) -> int:
    """Recompute `trait.sentiment` for these visitors (those with `crm` consent); returns how many changed."""
    at = datetime.fromisoformat(now) if now else datetime.now(timezone.utc)
    means = dict(
        Feedback.objects.filter(visitor_id__in=visitor_ids, occurred_at__gte=at - timedelta(days=WINDOW_DAYS), score__isnull=False)
        .values("visitor_id").annotate(mean=Avg("score")).values_list("visitor_id", "mean")
    )
    changed = []
    for profile in VisitorProfile.objects.select_for_update().filter(visitor_id__in=visitor_ids).order_by("visitor_id"):
        traits = dict(profile.traits)
        if "crm" in profile.consent and profile.visitor_id in means:
            traits[TRAIT] = round(means[profile.visitor_id], 3)
        else:
            traits.pop(TRAIT, None)
        if traits != profile.traits:
            profile.traits = traits
            changed.append(profile)
    VisitorProfile.objects.bulk_update(changed, ["traits"], batch_size=500)
    forgotten = [profile.visitor_id for profile in changed]
    transaction.on_commit(lambda: [profile_forget_cached(visitor_id) for visitor_id in forgotten])
    return len(changed)


def sentiment_traits_maintain(now: datetime | None = None) -> int:
    """Refresh every visitor whose feedback lies within the window plus a margin (beat, hourly):
    means move as items age out, and a visitor left with none loses the trait."""
    at = now or datetime.now(timezone.utc)
    visitor_ids = sorted(set(
        Feedback.objects.filter(occurred_at__gte=at - timedelta(days=WINDOW_DAYS + MAINTAIN_MARGIN_DAYS))
        .exclude(visitor_id="").values_list("visitor_id", flat=True)
    ))
    changed = 0
    for start in range(0, len(visitor_ids), 1000):
        with transaction.atomic():
            changed += sentiment_traits_refresh(visitor_ids=visitor_ids[start:start + 1000], now=at.isoformat())
    return changed
