"""Values checked against what can occur: a condition that can never match is a mistake.

Compilation checks a value's type ("a non-empty text"); this checks that the text is one a
visitor can have: an ISO 3166-1 alpha-2 country code, an existing channel, a known device
kind, one of a choice trait's values. It is the editor's check (on save, in the builder),
not delivery's: a channel or a trait choice removed later must not drop a live segment.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from collections.abc import Collection, Iterator, Mapping, Sequence

from .countries import COUNTRIES
from .errors import IssueCode, ValidationIssue

# What frontends send as ``device`` (see the README's API section).
DEVICE_KINDS: tuple[str, ...] = ("desktop", "mobile", "tablet", "tv", "wearable", "console", "bot")

_VALUE_OPERATORS = ("equals", "not_equals", "in", "not_in")
_BY_NAME = {name.casefold(): code for code, name in COUNTRIES.items()}


def conditions(definition: object, path: str = "") -> Iterator[tuple[str, object]]:
    """(path, node) of every condition (anything that is not an all/any/not group), in order."""
    if isinstance(definition, dict) and any(kind in definition for kind in ("all", "any", "not")):
        for kind in ("all", "any", "not"):
            if kind not in definition:
                continue
            where = f"{path}.{kind}" if path else kind
            items = definition[kind]
            if kind == "not":
                yield from conditions(items, where)
            elif isinstance(items, list):
                for index, item in enumerate(items):
                    yield from conditions(item, f"{where}[{index}]")
            return
    else:
        yield path, definition


def value_issues(
    definition: object,
    *,
    channels: Collection[str] | None = None,
    trait_choices: Mapping[str, Sequence[str]] | None = None,
) -> list[ValidationIssue]:
    """Values no visitor can have, with a suggestion where one is close.

    ``channels``: the channel keys that exist (None: not checked); ``trait_choices``: trait
    name → its allowed values, for "one of a list" traits. Never raises on any JSON.
    """
    issues = []
    for path, leaf in conditions(definition):
        if not isinstance(leaf, dict) or leaf.get("operator") not in _VALUE_OPERATORS:
            continue
        attribute = leaf.get("attribute")
        raw = leaf.get("value")
        values = list(enumerate(raw)) if isinstance(raw, list) else [(None, raw)]
        for index, value in values:
            if not isinstance(value, str):
                continue
            message, code = _check(attribute, value, channels, trait_choices or {})
            if message:
                where = (f"{path}.value" if path else "value") + (f"[{index}]" if index is not None else "")
                issues.append(ValidationIssue(where, message, code))
    return issues


def _check(
    attribute: object, value: str, channels: Collection[str] | None, trait_choices: Mapping[str, Sequence[str]]
) -> tuple[str, IssueCode]:
    if attribute == "country":
        return country_problem(value), IssueCode.UNKNOWN_COUNTRY
    if attribute == "device" and value.casefold() not in DEVICE_KINDS:
        return _not_one_of(value, "a device kind", DEVICE_KINDS), IssueCode.UNKNOWN_DEVICE
    if attribute == "channel" and channels is not None and value.casefold() not in {c.casefold() for c in channels}:
        return _not_one_of(value, "a channel", sorted(channels)), IssueCode.UNKNOWN_CHANNEL
    if isinstance(attribute, str) and attribute.startswith("trait."):
        allowed = [str(choice) for choice in trait_choices.get(attribute.removeprefix("trait."), ())]
        if allowed and value.casefold() not in {choice.casefold() for choice in allowed}:
            return _not_one_of(value, f"a value of {attribute}", allowed), IssueCode.NOT_A_TRAIT_CHOICE
    return "", IssueCode.INVALID_VALUE


@lru_cache(maxsize=1024)  # fuzzy matching costs ~1.5 ms a value; the builder asks again on each keystroke
def country_problem(value: str) -> str:
    """Why ``value`` is not an ISO 3166-1 alpha-2 code, with the code it probably means; "" if it is one."""
    if value.upper() in COUNTRIES:
        return ""
    code = _BY_NAME.get(value.strip().casefold())
    if code is None and len(value) <= 100:
        close = difflib.get_close_matches(value.strip().casefold(), list(_BY_NAME), n=1, cutoff=0.75)
        code = _BY_NAME[close[0]] if close else None
    hint = f"use {code!r} ({COUNTRIES[code]})" if code else "use a two-letter ISO 3166 code such as 'DE' or 'GB'"
    return f"{value!r} is not a country code: {hint}"


def _not_one_of(value: str, what: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(allowed), n=1) if len(value) <= 100 else []
    hint = f" — did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(allowed) if allowed else "none defined yet"
    return f"{value!r} is not {what} ({listed}){hint}"
