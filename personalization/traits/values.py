"""Trait values by type, from the text of a CRM export or from JSON (the API).

Stored values are JSON: strings, numbers (int when whole), booleans and dates as
ISO `YYYY-MM-DD` strings, which is what the rules engine compares (trait dates).
A blank cell is ABSENT: it leaves the stored value alone, it never erases it.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

TRAIT_TYPES: Final = ("string", "number", "boolean", "date", "choice")
MAX_STRING_LENGTH: Final = 1000


class _Absent:
    """No value: a blank cell or an empty JSON string."""

    _instance: "_Absent | None" = None

    def __new__(cls) -> "_Absent":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Final = _Absent()


class ValueProblem(ValueError):
    """A value that does not fit its trait's type; the message says why, for a rejects report."""


TRUE_WORDS: Final = frozenset({"yes", "y", "true", "t", "1", "on", "ja", "oui", "si", "sí"})
FALSE_WORDS: Final = frozenset({"no", "n", "false", "f", "0", "off", "nein", "non"})

# Currency signs and codes a CRM export puts around amounts.
_CURRENCY_SIGNS = re.compile(r"[$€£¥₹]")
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$")
_AMOUNT = re.compile(r"^[\d.,' \u00a0\u202f]*\d[\d.,' \u00a0\u202f]*$")

# Date forms beside ISO, day first where ambiguous (the hub's locale is en-GB).
_DATE_FORMATS: Final = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%Y%m%d")


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


_PLAIN_DECIMAL = re.compile(r"-?\d{1,15}\.\d{1,6}")


def parse_number(raw: object) -> int | float:
    """A number from `1234`, `1,234.50`, `$12.00`, `€ 3,50`, `1.234,50`, `-7`, `12 500`; whole numbers as int."""
    if isinstance(raw, bool):
        raise ValueProblem("expected a number, got a yes/no value")
    if isinstance(raw, (int, float)):
        return _tidy(Decimal(str(raw)))
    text = str(raw).strip()
    # The common plain forms first: an import parses millions of cells.
    if text.isascii() and text.isdigit() and len(text) < 16:
        return int(text)
    if _PLAIN_DECIMAL.fullmatch(text):
        value = float(text)
        return int(value) if value.is_integer() else value
    negative = text.startswith("(") and text.endswith(")")  # accounting notation
    text = text.strip("()").strip()
    text = _CURRENCY_CODE.sub("", _CURRENCY_SIGNS.sub("", text)).strip()
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    text = text.lstrip("+").strip()
    if not text or not _AMOUNT.match(text):
        raise ValueProblem(f"not a number: {str(raw)[:40]!r}")
    text = re.sub(r"[' \u00a0\u202f]", "", text)
    text = _decimal_point(text)
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueProblem(f"not a number: {str(raw)[:40]!r}") from exc
    if not value.is_finite():
        raise ValueProblem(f"not a number: {str(raw)[:40]!r}")
    return _tidy(-value if negative else value)


def _decimal_point(text: str) -> str:
    """`text` with `.` as its only separator: the last of `,`/`.` is decimal unless it groups thousands."""
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif commas or dots:
        sep = "," if commas else "."
        head, _, tail = text.rpartition(sep)
        # 1,234 and 1.234.567 group thousands; 3,50 and 12.5 are decimals
        grouped = (commas + dots > 1) or (len(tail) == 3 and head not in ("", "0", "-0"))
        decimal_sep = None if grouped else sep
        if grouped and sep == "." and commas + dots == 1:
            decimal_sep = "."  # 1.234 is read as one point two three four, as every program does
    else:
        return text
    thousands = {",", "."} - {decimal_sep}
    for sep in thousands:
        text = text.replace(sep, "")
    return text.replace(",", ".") if decimal_sep == "," else text


def _tidy(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)


def parse_boolean(raw: object) -> bool:
    """yes/no, true/false, 1/0, y/n (any case) and JSON booleans."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueProblem(f"not a yes/no value: {str(raw)[:40]!r}")


_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_date(raw: object) -> str:
    """An ISO date (`YYYY-MM-DD`) from ISO dates or date-times and common day-first forms."""
    if isinstance(raw, bool) or isinstance(raw, (int, float)):
        raise ValueProblem(f"not a date: {raw!r}")
    text = str(raw).strip()
    if found := _DAY_FIRST.fullmatch(text):  # the commonest export form, without strptime's cost
        try:
            return date(int(found[3]), int(found[2]), int(found[1])).isoformat()
        except ValueError:
            raise ValueProblem(f"not a date: {text[:40]!r}") from None
    try:
        return date.fromisoformat(text[:10]).isoformat() if len(text) == 10 else datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date().isoformat()
        except ValueError:
            continue
    raise ValueProblem(f"not a date: {text[:40]!r}")


def parse_string(raw: object) -> str:
    """Text, trimmed, bounded, without NUL characters."""
    if isinstance(raw, str):
        text = raw.strip()
    elif isinstance(raw, (dict, list)):
        raise ValueProblem("expected text, got a list or object")
    else:
        text = str(raw) if not isinstance(raw, bool) else ("true" if raw else "false")
    if len(text) > MAX_STRING_LENGTH:
        raise ValueProblem(f"text longer than {MAX_STRING_LENGTH} characters")
    if "\x00" in text:
        raise ValueProblem("text holds a NUL character")
    return text


@functools.lru_cache(maxsize=256)
def _choice_lookup(choices: tuple[str, ...]) -> dict[str, str]:
    return {choice.casefold(): choice for choice in reversed(choices)}


def parse_choice(raw: object, choices: tuple[str, ...]) -> str:
    """One of `choices`, matched without regard to case or surrounding spaces; stored as declared."""
    text = parse_string(raw)
    if (choice := _choice_lookup(choices).get(text.casefold())) is not None:
        return choice
    allowed = ", ".join(choices[:10]) + (", …" if len(choices) > 10 else "")
    raise ValueProblem(f"{text[:40]!r} is not one of: {allowed}")


def parse_value(trait_type: str, raw: object, choices: tuple[str, ...] = ()) -> object:
    """The stored value of a cell (lenient: CRM exports write values many ways), or ABSENT for a blank."""
    if _blank(raw):
        return ABSENT
    if trait_type == "choice":
        return parse_choice(raw, choices)
    parse = _PARSERS.get(trait_type)
    if parse is None:
        raise ValueProblem(f"unknown trait type {trait_type!r}")
    return parse(raw)


_PARSERS = {"number": parse_number, "boolean": parse_boolean, "date": parse_date, "string": parse_string}


def json_value(trait_type: str, raw: object, choices: tuple[str, ...] = ()) -> object:
    """The stored value of a JSON value pushed by a system (strict: a number must be a JSON number)."""
    expected = {"number": "a number", "boolean": "true or false", "date": "a date (YYYY-MM-DD)", "string": "text", "choice": "text"}
    if trait_type == "number" and (isinstance(raw, bool) or not isinstance(raw, (int, float))):
        raise ValueProblem(f"expected {expected[trait_type]}")
    if trait_type == "boolean" and not isinstance(raw, bool):
        raise ValueProblem(f"expected {expected[trait_type]}")
    if trait_type in ("date", "string", "choice") and not isinstance(raw, str):
        raise ValueProblem(f"expected {expected.get(trait_type, 'a value')}")
    if trait_type == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        raise ValueProblem(f"expected {expected[trait_type]}")
    value = parse_value(trait_type, raw, choices)
    if value is ABSENT:
        raise ValueProblem("empty value: send null to remove a trait")
    return value
