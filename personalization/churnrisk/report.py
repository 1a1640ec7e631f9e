"""The figures of the admin's "At risk" page: distribution, most at risk, moves into high risk, per segment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from personalization.churnrisk.scoring import high_risk
from personalization.models import ChurnModel, ChurnScore, Segment
from personalization.ruleset_cache import current_rules
from personalization.selectors import _as_arriving, _sample_context, sample_visitor

BINS = 10
MOST_AT_RISK = 25
# Segments are evaluated over at most this many high-risk customers (the most at risk first).
SEGMENT_SAMPLE = 5000


@dataclass
class SegmentRisk:
    key: str
    name: str
    high: int = 0
    moved_in: int = 0


@dataclass
class AtRiskReport:
    model: ChurnModel | None
    threshold: float
    scored: int = 0
    high: int = 0
    moved_in: int = 0
    distribution: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    most_at_risk: list[ChurnScore] = field(default_factory=list)
    segments: list[SegmentRisk] = field(default_factory=list)
    segments_sampled: int = 0

    def distribution_rows(self) -> list[tuple[str, int]]:
        return list(zip(self.labels, self.distribution))

    def chart(self) -> dict:
        return {"labels": self.labels, "customers": self.distribution, "threshold": self.threshold}


def week_start(now: datetime) -> datetime:
    """"This week": the last seven days, up to now."""
    return now - timedelta(days=7)


def at_risk_report(*, now: datetime | None = None) -> AtRiskReport:
    """Every figure of the page, from the stored scores (never recomputed here)."""
    now = now or timezone.now()
    threshold, since = high_risk(), week_start(now)
    report = AtRiskReport(model=ChurnModel.objects.order_by("-version").first(), threshold=threshold)
    counts = ChurnScore.objects.aggregate(
        scored=Count("pk"), high=Count("pk", filter=Q(risk__gte=threshold)),
        moved_in=Count("pk", filter=Q(risk__gte=threshold, high_since__gte=since)),
    )
    report.scored, report.high, report.moved_in = counts["scored"], counts["high"], counts["moved_in"]
    report.labels = [f"{bin_ / BINS:.1f}–{(bin_ + 1) / BINS:.1f}" for bin_ in range(BINS)]
    report.distribution = [0] * BINS
    bins = ChurnScore.objects.values_list("risk", flat=True).iterator(chunk_size=10_000)
    for risk in bins:
        report.distribution[min(int(risk * BINS), BINS - 1)] += 1
    report.most_at_risk = list(ChurnScore.objects.select_related("profile").order_by("-risk", "pk")[:MOST_AT_RISK])
    report.segments, report.segments_sampled = _per_segment(threshold, since, now)
    return report


def _per_segment(threshold: float, since: datetime, now: datetime) -> tuple[list[SegmentRisk], int]:
    """High-risk customers each live segment matches, arriving as the editor's sample visitor
    (request attributes from it, stored ones from each profile), and how many moved in this week."""
    live = {segment.key: SegmentRisk(segment.key, segment.name) for segment in Segment.objects.filter(live=True).order_by("priority", "key")}
    if not live:
        return [], 0
    ruleset = current_rules().ruleset
    sample = _sample_context(sample_visitor(now))
    high = ChurnScore.objects.filter(risk__gte=threshold).select_related("profile").order_by("-risk", "pk")[:SEGMENT_SAMPLE]
    sampled = 0
    for score in high.iterator(chunk_size=1000):
        sampled += 1
        moved_in = score.high_since is not None and score.high_since >= since
        for key in ruleset.evaluate(_as_arriving(sample, score.profile)).matched:
            if key in live:
                live[key].high += 1
                live[key].moved_in += moved_in
    return list(live.values()), sampled
