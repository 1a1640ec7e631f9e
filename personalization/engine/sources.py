"""Sources: for each attribute, the key under which ``Facts`` keeps its normalised value
for one evaluation, and the function computing that value from the visitor context.

Text is case-folded (except URL paths); a value of the wrong type becomes None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .bucketing import bucket
from .facts import Compute, Facts
from .values import NORMALISERS, ValueType, as_aware_datetime, as_number, as_text_set, fold_text

Source = tuple[str, Compute]  # the key of a value in Facts, and how to compute it


class Site(NamedTuple):
    """Where an attribute is used: its parameter (the ``<name>`` of ``query.<name>``),
    its resolved type, the condition's time zone ("" = the visitor's), the segment being
    compiled (the seed of sticky percentages) and the condition's parsed value."""

    param: str
    type: ValueType
    timezone: str
    segment: str
    expected: Any


def plain(name: str, compute: Compute) -> Callable[[Site], Source]:
    return lambda _site: (name, compute)


def text_field(name: str) -> Callable[[Site], Source]:
    get = attrgetter(name)
    return plain(name, lambda facts: fold_text(get(facts.context)))


def mapping_field(name: str, key: str | None = None) -> Callable[[Site], Source]:
    """``context.<name>[key]`` (key = the site's parameter when not given)."""
    get = attrgetter(name)

    def source(site: Site) -> Source:
        wanted = key or site.param
        return f"{name}.{wanted}", lambda facts: fold_text(lookup(get(facts.context), wanted))

    return source


def zoned(part: Callable[[datetime], object], name: str) -> Callable[[Site], Source]:
    """The visitor's clock in the condition's zone, one key per zone."""

    def source(site: Site) -> Source:
        zone = site.timezone

        def compute(facts: Facts) -> object:
            local = facts.local(zone)
            return part(local) if local else None

        return f"{name}@{zone}", compute

    return source


def language(facts: Facts) -> str | None:
    """"en-GB" -> "en"."""
    locale = fold_text(facts.context.locale)
    if locale is None:
        return None
    return locale.replace("_", "-").split("-")[0] or None


def referrer_host(facts: Facts) -> str | None:
    """Host of the referrer, lowercase, without "www."."""
    referrer = fold_text(facts.context.referrer)
    if referrer is None:
        return None
    try:
        host = urlsplit(referrer if "//" in referrer else "//" + referrer).hostname
    except ValueError:  # malformed URL, e.g. an unbalanced IPv6 bracket
        return None
    if not host:
        return None
    return host.removeprefix("www.") or None


def visit_count(facts: Facts) -> float | int | None:
    """Visits, including the current one."""
    return as_number(facts.context.visit_count)


def first_visit(facts: Facts) -> bool | None:
    """True on the first visit (visit_count counts the current visit)."""
    count = visit_count(facts)
    return None if count is None else count <= 1


def returning(facts: Facts) -> bool | None:
    """True from the second visit on."""
    count = visit_count(facts)
    return None if count is None else count > 1


def first_seen(facts: Facts) -> datetime | None:
    """When the visitor was first seen, if known."""
    return as_aware_datetime(facts.context.first_seen)


def pages(facts: Facts) -> frozenset[str]:
    """URL paths visited, as given (paths are case-sensitive)."""
    return as_text_set(facts.context.pages_visited, fold=False)


def content_types(facts: Facts) -> frozenset[str]:
    """Content types visited, case-folded."""
    return as_text_set(facts.context.content_types_visited, fold=True)


def consent(facts: Facts) -> frozenset[str]:
    """Data categories consented to."""
    return facts.context.consent


def events_index(facts: Facts) -> dict[str, list[tuple[datetime, str | None]]]:
    """Events by case-folded name, as (time, case-folded target) pairs."""
    index: dict[str, list[tuple[datetime, str | None]]] = {}
    for event in facts.context.events:
        name = fold_text(event.name)
        if name is not None:
            index.setdefault(name, []).append((event.at, fold_text(event.target)))
    return index


def trait(site: Site) -> Source:
    normalise, name = NORMALISERS[site.type], site.param
    return f"trait.{name}", lambda facts: normalise(lookup(facts.context.traits, name))


def lookup(mapping: object, key: str) -> object:
    """``mapping[key]``, or None when absent or when ``mapping`` is not a mapping."""
    return mapping.get(key) if isinstance(mapping, Mapping) else None


def member_key(segment: str) -> str:
    """The Facts key holding whether the visitor is a member of ``segment``."""
    return f"segment:{segment}"


def member(site: Site) -> Source:
    # Evaluation stores True under this key when the segment matches; segments are
    # evaluated after the ones they use, so an absent key means "not a member".
    return member_key(site.expected), _not_member


def _not_member(_facts: Facts) -> bool:
    return False


def percentage(site: Site) -> Source:
    # the segment key seeds the hash, so each segment splits visitors independently
    seed = "segment:" + site.segment

    def compute(facts: Facts) -> float | None:
        visitor = facts.context.visitor_id
        return bucket(seed, visitor) * 100 if isinstance(visitor, str) and visitor else None

    return f"percentage@{site.segment}", compute
