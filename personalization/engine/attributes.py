"""The attribute catalogue: everything a marketer can put in a condition.

Each attribute has a value type, a data category (which decides the consent it needs),
the operators it allows, words for the admin, and a source: the key and function that
give its normalised value in the per-evaluation ``Facts``. Text values are compared
case-insensitively (sources case-fold them) except ``pages_visited``, whose URL paths
are case-sensitive. A value of the wrong type is normalised to None ("missing").
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from operator import attrgetter
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .bucketing import bucket
from .errors import Problem
from .facts import Compute, Facts
from .values import NORMALISERS, ValueType, as_aware_datetime, as_number, as_text_set, fold_text

Source = tuple[str, Compute]  # the key of a value in Facts, and how to compute it


class Category(StrEnum):
    """Where an attribute's data comes from; behaviour and CRM data need consent."""

    REQUEST = "request"
    BEHAVIOUR = "behaviour"
    CRM = "crm"


GATED = (Category.BEHAVIOUR, Category.CRM)  # categories that need consent


class Site(NamedTuple):
    """Where an attribute is used: its parameter (the ``<name>`` of ``query.<name>``),
    its resolved type, the condition's time zone ("" = the visitor's), the segment being
    compiled (the seed of sticky percentages) and the condition's parsed value."""

    param: str
    type: ValueType
    timezone: str
    segment: str
    expected: Any


@dataclass(frozen=True, slots=True)
class Attribute:
    """One entry of the catalogue. ``family`` attributes are prefixes (``query.``).

    ``source`` gives, for a site, the key under which Facts keeps the normalised value
    and the function computing it from the context.
    """

    name: str
    label: str
    description: str
    type: ValueType
    category: Category
    operators: tuple[str, ...]
    source: Callable[[Site], Source]
    family: bool = False
    zoned: bool = False  # accepts a "timezone" in the condition
    case_sensitive: bool = False

    def describe(self) -> dict[str, object]:
        """JSON-able description for the admin's rule builder."""
        return {
            "name": self.name + ("<name>" if self.family else ""),
            "label": self.label,
            "description": self.description,
            "type": self.type.value,
            "category": self.category.value,
            "operators": list(self.operators),
            "timezone": self.zoned,
            "case_sensitive": self.case_sensitive,
        }


@dataclass(frozen=True, slots=True)
class Resolved:
    """An attribute as used in one condition, e.g. ``trait.ltv`` as a number."""

    attribute: Attribute
    param: str
    type: ValueType
    operators: tuple[str, ...]

    @property
    def name(self) -> str:
        """The name as written in the condition."""
        return self.attribute.name + self.param


# --- operator sets ----------------------------------------------------------------------

PRESENCE = ("exists", "not_exists")
CODE_OPS = ("equals", "not_equals", "in", "not_in", *PRESENCE)
TEXT_OPS = (*CODE_OPS[:4], "contains", "starts_with", "ends_with", *PRESENCE)
ORDER_OPS = ("gt", "gte", "lt", "lte")
COUNT_OPS = (*CODE_OPS[:4], *ORDER_OPS, "between")
NUMBER_OPS = (*COUNT_OPS, *PRESENCE)
DATE_OPS = ("equals", "not_equals", *ORDER_OPS, "date_between")
SET_OPS = ("contains", "in", "not_in")

# CRM trait types (as declared in trait definitions) -> value type and operators
TRAIT_TYPES: dict[str, tuple[ValueType, tuple[str, ...]]] = {
    "string": (ValueType.STRING, TEXT_OPS),
    "choice": (ValueType.STRING, CODE_OPS),
    "number": (ValueType.NUMBER, NUMBER_OPS),
    "boolean": (ValueType.BOOLEAN, ("equals", *PRESENCE)),
    "date": (ValueType.DATE, (*DATE_OPS, "within_last_days", *PRESENCE)),
}


# --- sources ----------------------------------------------------------------------------


def _plain(name: str, compute: Compute) -> Callable[[Site], Source]:
    return lambda _site: (name, compute)


def _text_field(name: str) -> Callable[[Site], Source]:
    get = attrgetter(name)
    return _plain(name, lambda facts: fold_text(get(facts.context)))


def _mapping_field(name: str, key: str | None = None) -> Callable[[Site], Source]:
    """``context.<name>[key]`` (key = the site's parameter when not given)."""
    get = attrgetter(name)

    def source(site: Site) -> Source:
        wanted = key or site.param
        return f"{name}.{wanted}", lambda facts: fold_text(get(facts.context).get(wanted))

    return source


def _zoned(part: Callable[[datetime], object], name: str) -> Callable[[Site], Source]:
    """The visitor's clock in the condition's zone, one key per zone."""

    def source(site: Site) -> Source:
        def compute(facts: Facts) -> object:
            local = facts.local(site.timezone)
            return part(local) if local else None

        return f"{name}@{site.timezone}", compute

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
    count = as_number(facts.context.visit_count)
    return None if count is None else count <= 1


def returning(facts: Facts) -> bool | None:
    """True from the second visit on."""
    count = as_number(facts.context.visit_count)
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


def _trait(site: Site) -> Source:
    normalise, name = NORMALISERS[site.type], site.param
    return f"trait.{name}", lambda facts: normalise(facts.context.traits.get(name))


def member_key(segment: str) -> str:
    """The Facts key holding whether the visitor is a member of ``segment``."""
    return f"segment:{segment}"


def _member(site: Site) -> Source:
    # Evaluation stores True under this key when the segment matches; segments are
    # evaluated after the ones they use, so an absent key means "not a member".
    return member_key(site.expected), _not_member


def _not_member(_facts: Facts) -> bool:
    return False


def _percentage(site: Site) -> Source:
    # the segment key seeds the hash, so each segment splits visitors independently
    seed = "segment:" + site.segment

    def compute(facts: Facts) -> float | None:
        visitor = facts.context.visitor_id
        return bucket(seed, visitor) * 100 if isinstance(visitor, str) and visitor else None

    return f"percentage@{site.segment}", compute


# --- the catalogue ----------------------------------------------------------------------

R, B, C = Category.REQUEST, Category.BEHAVIOUR, Category.CRM
T = ValueType


def _utm(part: str) -> Attribute:
    return Attribute(
        f"utm_{part}", f"UTM {part}", f"The utm_{part} parameter of the visit.",
        T.STRING, R, TEXT_OPS, _mapping_field("utm", part),
    )


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("channel", "Channel", "The channel asking: web, app, email, kiosk…",
              T.STRING, R, CODE_OPS[:4], _text_field("channel")),
    Attribute("device", "Device type", "mobile, tablet, desktop… as sent by the frontend.",
              T.STRING, R, CODE_OPS, _text_field("device")),
    Attribute("locale", "Locale", "The visitor's locale, e.g. en-GB.",
              T.STRING, R, CODE_OPS, _text_field("locale")),
    Attribute("language", "Language", "The language part of the locale: en-GB → en.",
              T.STRING, R, CODE_OPS, _plain("language", language)),
    Attribute("country", "Country", "ISO 3166 country code, e.g. GB.",
              T.STRING, R, CODE_OPS, _text_field("country")),
    Attribute("region", "Region", "Region or state code within the country.",
              T.STRING, R, CODE_OPS, _text_field("region")),
    Attribute("referrer_host", "Referrer host",
              "Host of the referring page, lowercase, without www. (e.g. google.com).",
              T.STRING, R, TEXT_OPS, _plain("referrer_host", referrer_host)),
    *(_utm(part) for part in ("source", "medium", "campaign", "term", "content")),
    Attribute("query.", "Query parameter", "A query parameter of the page request.",
              T.STRING, R, TEXT_OPS, _mapping_field("query"), family=True),
    Attribute("ctx.", "Request trait", "A free trait sent with the request as ctx.<name>.",
              T.STRING, R, TEXT_OPS, _mapping_field("ctx"), family=True),
    Attribute("local_time", "Time of day",
              "Local time of day in the visitor's zone or the condition's zone.",
              T.TIME, R, ("time_between", *ORDER_OPS), _zoned(datetime.time, "local_time"),
              zoned=True),
    Attribute("day_of_week", "Day of week", "Local day of the week.",
              T.WEEKDAY, R, ("day_of_week_in",), _zoned(datetime.isoweekday, "day_of_week"),
              zoned=True),
    Attribute("local_date", "Date", "Local calendar date, for date ranges.",
              T.DATE, R, DATE_OPS, _zoned(datetime.date, "local_date"), zoned=True),
    Attribute("first_visit", "First visit", "True on the visitor's first visit.",
              T.BOOLEAN, B, ("equals",), _plain("first_visit", first_visit)),
    Attribute("returning", "Returning visitor", "True from the second visit on.",
              T.BOOLEAN, B, ("equals",), _plain("returning", returning)),
    Attribute("visit_count", "Visit count", "Number of visits, including this one.",
              T.NUMBER, B, COUNT_OPS,
              _plain("visit_count", visit_count)),
    Attribute("first_seen", "First seen", "When the visitor was first seen.",
              T.DATETIME, B, ("within_last_days", *PRESENCE),
              _plain("first_seen", first_seen)),
    Attribute("pages_visited", "Pages visited", "URL paths visited (case-sensitive).",
              T.STRING_SET, B, (*SET_OPS, "starts_with", *PRESENCE),
              _plain("pages_visited", pages), case_sensitive=True),
    Attribute("content_types_visited", "Content types visited",
              "Content types of the pages visited, e.g. blog.articlepage.",
              T.STRING_SET, B, (*SET_OPS, *PRESENCE), _plain("content_types_visited", content_types)),
    Attribute("events", "Events done", "Events the visitor did, e.g. a conversion on a page.",
              T.EVENTS, B, ("done_within_days",), _plain("events", events_index)),
    Attribute("trait.", "CRM trait", "A CRM trait; its type comes from the trait definition.",
              T.STRING, C, (), _trait, family=True),
    Attribute("consent", "Consent given", "Data categories the visitor consented to.",
              T.STRING_SET, R, ("contains",), _plain("consent", consent)),
    Attribute("segment", "Segment", "Membership of another segment.",
              T.SEGMENT, R, ("member_of",), _member),
    Attribute("percentage", "Sticky percentage",
              "A stable share of visitors, from a hash of the visitor id and the segment key.",
              T.PERCENTAGE, R, ("percentage_below",), _percentage),
)

_BY_NAME = {attribute.name: attribute for attribute in ATTRIBUTES if not attribute.family}
_FAMILIES = {attribute.name: attribute for attribute in ATTRIBUTES if attribute.family}
_TRAIT = _FAMILIES["trait."]


def resolve(name: object, trait_types: Mapping[str, str]) -> Resolved:
    """The attribute called ``name``; raises Problem with a suggestion when unknown."""
    if not isinstance(name, str) or not name:
        raise Problem("needs an attribute name")
    if name in _BY_NAME:
        attribute = _BY_NAME[name]
        return Resolved(attribute, "", attribute.type, attribute.operators)
    prefix, dot, param = name.partition(".")
    family = _FAMILIES.get(prefix + dot)
    if family is _TRAIT and param:
        return _resolve_trait(param, trait_types)
    if family is not None and param:
        return Resolved(family, param, family.type, family.operators)
    known = [*_BY_NAME, *(f"trait.{trait}" for trait in trait_types)]
    raise Problem(f"unknown attribute {name!r}{did_you_mean(name, known)}")


def _resolve_trait(param: str, trait_types: Mapping[str, str]) -> Resolved:
    declared = trait_types.get(param)
    if declared is None:
        raise Problem(f"unknown trait {param!r}{did_you_mean(param, list(trait_types))}")
    if not isinstance(declared, str) or declared not in TRAIT_TYPES:
        raise Problem(f"trait {param!r} has an unsupported type {declared!r}")
    vtype, operators = TRAIT_TYPES[declared]
    return Resolved(_TRAIT, param, vtype, operators)


def did_you_mean(word: str, candidates: list[str]) -> str:
    """" — did you mean 'x'?" for the closest candidate, or ""."""
    if len(word) > 100:  # difflib is quadratic; long input is no typo
        return ""
    close = difflib.get_close_matches(word, candidates, n=1)
    return f" — did you mean {close[0]!r}?" if close else ""
