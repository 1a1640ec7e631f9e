""""What is behind this drop": for a slice and two periods, the terms and pages whose share of
negative feedback rose most (drivers.log_odds_drivers), each with example quotes."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from wagtail.models import Page

from .drivers import Driver, log_odds_drivers
from .models import Feedback
from .sentiment import NEGATIVE
from .tokens import terms
from .trends import Slice, sliced

QUOTES = 3
MAX_ITEMS = 50_000  # per period: enough for any tour; a larger slice is sampled by recency


@dataclass
class Finding:
    """A term or page that rose among negative feedback, its statistic and what customers wrote."""

    key: str
    name: str
    driver: Driver
    quotes: list[str] = field(default_factory=list)


@dataclass
class Explanation:
    """Both periods' figures and the findings, strongest first."""

    where: Slice
    current: tuple[datetime, datetime]
    earlier: tuple[datetime, datetime]
    current_mean: float
    earlier_mean: float
    current_negative_share: float
    earlier_negative_share: float
    current_volume: int
    earlier_volume: int
    terms: list[Finding]
    pages: list[Finding]


def _period(where: Slice, start: datetime, end: datetime) -> list[tuple[int, str, int | None, str, float]]:
    rows = sliced(Feedback.objects.filter(occurred_at__gte=start, occurred_at__lt=end, score__isnull=False), where)
    return list(rows.order_by("-occurred_at").values_list("pk", "text", "page_id", "label", "score")[:MAX_ITEMS])


def _distinct(texts) -> list[str]:
    """The first QUOTES different texts: a complaint pasted a hundred times is quoted once."""
    quotes: list[str] = []
    for text in texts:
        if text not in quotes:
            quotes.append(text)
            if len(quotes) == QUOTES:
                break
    return quotes


def drop_explain(*, where: Slice, current: tuple[datetime, datetime], earlier: tuple[datetime, datetime], limit: int = 5) -> Explanation:
    """Rank terms and pages by how much their share of negative feedback rose from `earlier` to `current`."""
    now_rows, before_rows = _period(where, *current), _period(where, *earlier)
    now_negative = [row for row in now_rows if row[3] == NEGATIVE]
    before_negative = [row for row in before_rows if row[3] == NEGATIVE]
    now_terms = {row[0]: terms(row[1]) for row in now_rows}
    background_terms = Counter(term for row in [*now_rows, *before_rows] for term in (now_terms.get(row[0]) or terms(row[1])))
    term_drivers = log_odds_drivers(
        Counter(term for row in now_negative for term in now_terms[row[0]]),
        Counter(term for row in before_negative for term in terms(row[1])),
        background_terms,
    )[:limit]
    page_drivers = log_odds_drivers(
        Counter(str(row[2]) for row in now_negative if row[2]),
        Counter(str(row[2]) for row in before_negative if row[2]),
        Counter(str(row[2]) for row in [*now_rows, *before_rows] if row[2]),
    )[:limit]
    titles = dict(Page.objects.filter(pk__in=[int(driver.key) for driver in page_drivers]).values_list("pk", "title"))
    # Quotes: the most negative items of the current period that hold the term / are about the page.
    worst_first = sorted(now_negative, key=lambda row: row[4])
    term_findings = [
        Finding(driver.key, driver.key, driver, _distinct(row[1] for row in worst_first if driver.key in now_terms[row[0]]))
        for driver in term_drivers
    ]
    page_findings = [
        Finding(driver.key, titles.get(int(driver.key), f"page {driver.key}"), driver,
                _distinct(row[1] for row in worst_first if str(row[2]) == driver.key))
        for driver in page_drivers
    ]

    def mean(rows):
        return round(sum(row[4] for row in rows) / len(rows), 3) if rows else 0.0

    def share(negative, rows):
        return round(len(negative) / len(rows), 3) if rows else 0.0

    return Explanation(
        where=where, current=current, earlier=earlier,
        current_mean=mean(now_rows), earlier_mean=mean(before_rows),
        current_negative_share=share(now_negative, now_rows), earlier_negative_share=share(before_negative, before_rows),
        current_volume=len(now_rows), earlier_volume=len(before_rows),
        terms=term_findings, pages=page_findings,
    )
