"""The attribute catalogue: everything a marketer can put in a condition.

Each attribute has a value type, a data category (which decides the consent it needs),
the operators it allows, words for the admin, and a source (see ``sources``). Text
values are compared case-insensitively except ``pages_visited``, whose URL paths are
case-sensitive. A value of the wrong type counts as missing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from . import sources as src
from .errors import IssueCode, Problem
from .sources import Site, Source
from .values import ValueType


class Category(StrEnum):
    """Where an attribute's data comes from; behaviour and CRM data need consent."""

    REQUEST = "request"
    BEHAVIOUR = "behaviour"
    CRM = "crm"


GATED = (Category.BEHAVIOUR, Category.CRM)  # categories that need consent


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


# --- the catalogue ----------------------------------------------------------------------

R, B, C = Category.REQUEST, Category.BEHAVIOUR, Category.CRM
T = ValueType


def _utm(part: str) -> Attribute:
    return Attribute(
        f"utm_{part}", f"UTM {part}", f"The utm_{part} parameter of the visit.",
        T.STRING, R, TEXT_OPS, src.mapping_field("utm", part),
    )


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("channel", "Channel", "The channel asking: web, app, email, kiosk…",
              T.STRING, R, CODE_OPS[:4], src.text_field("channel")),
    Attribute("device", "Device type", "mobile, tablet, desktop… as sent by the frontend.",
              T.STRING, R, CODE_OPS, src.text_field("device")),
    Attribute("locale", "Locale", "The visitor's locale, e.g. en-GB.",
              T.STRING, R, CODE_OPS, src.text_field("locale")),
    Attribute("language", "Language", "The language part of the locale: en-GB → en.",
              T.STRING, R, CODE_OPS, src.plain("language", src.language)),
    Attribute("country", "Country", "ISO 3166 country code, e.g. GB.",
              T.STRING, R, CODE_OPS, src.text_field("country")),
    Attribute("region", "Region", "Region or state code within the country.",
              T.STRING, R, CODE_OPS, src.text_field("region")),
    Attribute("referrer_host", "Referrer host",
              "Host of the referring page, lowercase, without www. (e.g. google.com).",
              T.STRING, R, TEXT_OPS, src.plain("referrer_host", src.referrer_host)),
    *(_utm(part) for part in ("source", "medium", "campaign", "term", "content")),
    Attribute("query.", "Query parameter", "A query parameter of the page request.",
              T.STRING, R, TEXT_OPS, src.mapping_field("query"), family=True),
    Attribute("ctx.", "Request trait", "A free trait sent with the request as ctx.<name>.",
              T.STRING, R, TEXT_OPS, src.mapping_field("ctx"), family=True),
    Attribute("local_time", "Time of day",
              "Local time of day in the visitor's zone or the condition's zone.",
              T.TIME, R, ("time_between", *ORDER_OPS), src.zoned(datetime.time, "local_time"),
              zoned=True),
    Attribute("day_of_week", "Day of week", "Local day of the week.",
              T.WEEKDAY, R, ("day_of_week_in",), src.zoned(datetime.isoweekday, "day_of_week"),
              zoned=True),
    Attribute("local_date", "Date", "Local calendar date, for date ranges.",
              T.DATE, R, DATE_OPS, src.zoned(datetime.date, "local_date"), zoned=True),
    Attribute("first_visit", "First visit", "True on the visitor's first visit.",
              T.BOOLEAN, B, ("equals",), src.plain("first_visit", src.first_visit)),
    Attribute("returning", "Returning visitor", "True from the second visit on.",
              T.BOOLEAN, B, ("equals",), src.plain("returning", src.returning)),
    Attribute("visit_count", "Visit count", "Number of visits, including this one.",
              T.NUMBER, B, COUNT_OPS, src.plain("visit_count", src.visit_count)),
    Attribute("first_seen", "First seen", "When the visitor was first seen.",
              T.DATETIME, B, ("within_last_days", *PRESENCE),
              src.plain("first_seen", src.first_seen)),
    Attribute("pages_visited", "Pages visited", "URL paths visited (case-sensitive).",
              T.STRING_SET, B, (*SET_OPS, "starts_with", *PRESENCE),
              src.plain("pages_visited", src.pages), case_sensitive=True),
    Attribute("content_types_visited", "Content types visited",
              "Content types of the pages visited, e.g. blog.articlepage.",
              T.STRING_SET, B, (*SET_OPS, *PRESENCE),
              src.plain("content_types_visited", src.content_types)),
    Attribute("events", "Events done", "Events the visitor did, e.g. a conversion on a page.",
              T.EVENTS, B, ("done_within_days",), src.plain("events", src.events_index)),
    # type and operators come from the trait's definition: see TRAIT_TYPES and resolve()
    Attribute("trait.", "CRM trait", "A CRM trait; its type comes from the trait definition.",
              T.STRING, C, (), src.trait, family=True),
    Attribute("consent", "Consent given", "Data categories the visitor consented to.",
              T.STRING_SET, R, ("contains",), src.plain("consent", src.consent)),
    Attribute("segment", "Segment", "Membership of another segment.",
              T.SEGMENT, R, ("member_of",), src.member),
    Attribute("percentage", "Sticky percentage",
              "A stable share of visitors, from a hash of the visitor id and the segment key.",
              T.PERCENTAGE, R, ("percentage_below",), src.percentage),
)

_BY_NAME = {attribute.name: attribute for attribute in ATTRIBUTES if not attribute.family}
_FAMILIES = {attribute.name: attribute for attribute in ATTRIBUTES if attribute.family}
_TRAIT = _FAMILIES["trait."]
# A trait whose values are behaviour data (the catalogue's category): conditions on it need behaviour consent.
_BEHAVIOUR_TRAIT = replace(_TRAIT, category=Category.BEHAVIOUR)


class DeclaredTrait(str):
    """A trait's declared type, as the string it always was, with the data category it belongs to.

    Plain strings stay valid declarations (CRM data): the shared cases and older callers pass them.
    """

    category: "Category"

    def __new__(cls, declared: str, category: str = "crm") -> "DeclaredTrait":
        value = super().__new__(cls, declared)
        value.category = Category(category)
        return value


def trait_category(declared: object) -> "Category":
    """The data category of a declared trait: CRM unless the declaration says otherwise."""
    return getattr(declared, "category", Category.CRM)


def resolve(name: object, trait_types: Mapping[str, str]) -> Resolved:
    """The attribute called ``name``; raises Problem with a suggestion when unknown."""
    if not isinstance(name, str) or not name:
        raise Problem("needs an attribute name", code=IssueCode.ATTRIBUTE_MISSING)
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
    raise Problem(f"unknown attribute {name!r}{did_you_mean(name, known)}", code=IssueCode.UNKNOWN_ATTRIBUTE)


def _resolve_trait(param: str, trait_types: Mapping[str, str]) -> Resolved:
    declared = trait_types.get(param)
    if declared is None:
        hint = did_you_mean(param, list(trait_types))
        raise Problem(f"unknown trait {param!r}{hint}", code=IssueCode.UNKNOWN_TRAIT)
    if not isinstance(declared, str) or declared not in TRAIT_TYPES:
        message = f"trait {param!r} has an unsupported type {declared!r}"
        raise Problem(message, code=IssueCode.UNSUPPORTED_TRAIT_TYPE)
    vtype, operators = TRAIT_TYPES[declared]
    family = _BEHAVIOUR_TRAIT if trait_category(declared) is Category.BEHAVIOUR else _TRAIT
    return Resolved(family, param, vtype, operators)


def did_you_mean(word: str, candidates: list[str]) -> str:
    """" — did you mean 'x'?" for the closest candidate, or ""."""
    if len(word) > 100:  # difflib is quadratic; long input is no typo
        return ""
    close = difflib.get_close_matches(word, candidates, n=1)
    return f" — did you mean {close[0]!r}?" if close else ""
