"""Reading stored profiles as customer histories for the churn core, and choosing its inputs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from datetime import timezone as dt_timezone

from personalization.insight.churn import CustomerHistory, FeatureSpec, TraitField
from personalization.insight.churn.features import SENTIMENT_TRAIT
from personalization.models import TraitDefinition, VisitorProfile

RISK_TRAIT = "churn_risk"
PROFILE_FIELDS = ("pk", "visitor_id", "first_seen", "last_seen", "events", "traits", "consent")
CHUNK = 5000
INPUT_KINDS = ("number", "boolean", "choice")
# An input trait must be known for at least this share of the labelled customers.
MIN_COVERAGE = 0.5


def _time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        at = datetime.fromisoformat(text)  # what profiles store; far faster than a regex parse
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=dt_timezone.utc)


def _times(events: object, before: datetime | None) -> list[datetime]:
    times = []
    for event in events if isinstance(events, list) else ():
        at = _time(event.get("at")) if isinstance(event, dict) else None
        if at is not None and (before is None or at < before):
            times.append(at)
    return times


def history_of(row: tuple, *, before: datetime | None = None) -> CustomerHistory:
    """A profile row (PROFILE_FIELDS) as a history; `before` hides what happened after a cut-off.

    Behaviour counts only with the visitor's consent to it (CRM traits are the CRM's record).
    """
    pk, visitor_id, first_seen, last_seen, events, traits, consent = row[:7]  # callers may read more after
    behaviour = isinstance(consent, list) and "behaviour" in consent
    if not behaviour:
        return CustomerHistory(visitor_id, traits=traits or {}, behaviour_known=False)
    if before is not None and last_seen is not None and last_seen >= before:
        last_seen = None  # its last visit is after the cut-off: recency comes from events before it
    return CustomerHistory(visitor_id, first_seen, last_seen, _times(events, before), traits or {}, True)


def profile_rows(queryset=None, *, chunk: int = CHUNK, extra: tuple[str, ...] = ()) -> Iterator[tuple]:
    """Every profile as a PROFILE_FIELDS tuple (then `extra` fields), in primary-key order, read in chunks."""
    queryset = VisitorProfile.objects.all() if queryset is None else queryset
    yield from queryset.order_by("pk").values_list(*PROFILE_FIELDS, *extra).iterator(chunk_size=chunk)


def input_spec(histories: Sequence[CustomerHistory], *, label: str | None, traits: Sequence[str] | None = None) -> FeatureSpec:
    """The inputs a model trained on `histories` reads: CRM traits of a usable type (all non-computed
    ones most of them have, or exactly `traits`), sentiment if any has it, behaviour if any consented."""
    catalogue = {trait.name: trait for trait in TraitDefinition.objects.filter(type__in=INPUT_KINDS)}
    if traits is not None:
        if unknown := sorted(set(traits) - set(catalogue)):
            raise ValueError(f"not a number, yes/no or choice trait: {', '.join(unknown)}")
        names = list(traits)
    else:
        needed = MIN_COVERAGE * len(histories)
        names = [
            name for name, trait in catalogue.items()
            if not trait.computed and name not in (label, SENTIMENT_TRAIT)
            and sum(1 for history in histories if history.traits.get(name) is not None) >= needed
        ]
    fields = tuple(
        TraitField(name, catalogue[name].type, tuple(catalogue[name].choices or ()) if catalogue[name].type == "choice" else ())
        for name in sorted(names) if name not in (RISK_TRAIT, label)
    )
    return FeatureSpec(
        traits=fields,
        behaviour=any(history.behaviour_known for history in histories),
        sentiment=any(isinstance(history.traits.get(SENTIMENT_TRAIT), (int, float)) for history in histories),
    )
