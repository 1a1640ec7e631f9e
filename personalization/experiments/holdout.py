"""The lift of personalisation as a whole: the global holdout's visitors against everyone else.

Who was held out is not stored: the hold-out decision is the engine's sticky hash of the
visitor id (`in_global_holdout`), so it is recomputed here for the visitor ids in the events,
exactly as delivery computed it. Recomputing uses the share configured now: after the share
changes, visitors are grouped as they would be served today, so a range that spans a change
mixes the two (the dashboard says which share it used).

Unit: a visitor with consent (a visitor id) who sent any event in the range; converted when
one of their events in the range is a conversion. The comparison is the experiments' own
analysis with the holdout as control, so the interval, the p-value and the sample-ratio check
against the configured share are the same statistics as an experiment's results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, IntegerField, Max, Value, When

from personalization.engine import in_global_holdout
from personalization.events.models import Event
from personalization.events.reports import ReportFilter
from personalization.events.rollup import VALUED_TYPE

from .stats import Analysis, ArmData, analyse

HELD_OUT = "holdout"
PERSONALISED = "personalised"
GOAL_TYPE = VALUED_TYPE  # "conversion"


@dataclass(frozen=True)
class HoldoutLift:
    """Visitors and conversions of each group, and the personalised group's lift over the holdout."""

    share: float
    held_out: ArmData
    personalised: ArmData
    analysis: Analysis

    @property
    def lift(self):
        """The personalised group's result against the holdout (uplift, interval, p-value)."""
        return self.analysis.arm(PERSONALISED)


def lift_from_visitors(visitors: Iterable[tuple[str, bool]], share: float, alpha: float = 0.05) -> HoldoutLift | None:
    """Group (visitor id, converted) pairs by the global holdout and compare them; None when share is 0."""
    if share <= 0:
        return None
    counts = {HELD_OUT: [0, 0], PERSONALISED: [0, 0]}
    for visitor_id, converted in visitors:
        group = counts[HELD_OUT if in_global_holdout(visitor_id, share) else PERSONALISED]
        group[0] += 1
        group[1] += 1 if converted else 0
    # Binomial sums: Σy = Σy² = visitors who converted.
    arms = [ArmData(key, n, float(x), float(x)) for key, (n, x) in counts.items()]
    analysis = analyse(
        arms, control=HELD_OUT, weights={HELD_OUT: share, PERSONALISED: 1 - share}, kind="binomial", alpha=alpha,
    )
    return HoldoutLift(share=share, held_out=arms[0], personalised=arms[1], analysis=analysis)


def holdout_lift(report: ReportFilter) -> HoldoutLift | None:
    """The lift over the report's range (and channel), or None when no global holdout is configured.

    Reads raw events once, grouped by visitor in the database (rollups count visitors per day,
    not which group each one is in); segment, page and variant filters do not apply: the
    holdout is about every page for every visitor.
    """
    share = settings.PERSONALIZATION_GLOBAL_HOLDOUT
    if share <= 0:
        return None
    events = Event.objects.filter(
        occurred_at__gte=report.start, occurred_at__lt=report.end, visitor_id__isnull=False,
    ).exclude(visitor_id="")
    if report.channel_id is not None:
        events = events.filter(channel_id=report.channel_id)
    per_visitor = events.values("visitor_id").annotate(
        converted=Max(Case(When(type=GOAL_TYPE, then=Value(1)), default=Value(0), output_field=IntegerField())),
    ).values_list("visitor_id", "converted")
    return lift_from_visitors(((v, bool(c)) for v, c in per_visitor.iterator()), share)
