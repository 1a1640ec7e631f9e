"""A column's trait type, guessed from a sample of its cells (shown to the marketer to confirm)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .values import ValueProblem, parse_date, parse_number

# An id or code: a leading zero (00123, a postcode) or a long run of digits is text, not a number.
_LEADING_ZERO = re.compile(r"^0\d")
_LONG_DIGITS = re.compile(r"^\d{16,}$")
_DIGITS_ONLY = re.compile(r"^[+-]?\d+$")
# A yes/no column is words, never 0/1 alone: a column of 0s and 1s is as likely a count.
_BOOLEAN_WORDS = frozenset({"yes", "no", "y", "n", "true", "false", "t", "f"})
# At most this many distinct values (and repeated at least twice on average) make a choice.
MAX_CHOICES = 12


def _fits(cells: list[str], parse) -> bool:
    try:
        for cell in cells:
            parse(cell)
    except ValueProblem:
        return False
    return True


def infer_type(cells: Iterable[object]) -> tuple[str, tuple[str, ...]]:
    """The trait type (and choices for `choice`) of a column, from a sample of its cells.

    Blanks are ignored (a number column with blanks stays a number). Order of tests:
    boolean words, numbers (money and thousands separators allowed, not ids with
    leading zeros), dates, then a short list of repeated words as a choice, else text.
    """
    values = [cell for cell in cells if cell is not None and str(cell).strip() != ""]
    if not values:
        return "string", ()
    texts = [str(cell).strip() for cell in values]
    if all(isinstance(cell, bool) for cell in values) or all(text.lower() in _BOOLEAN_WORDS for text in texts):
        return "boolean", ()
    if not any(_LEADING_ZERO.match(text) or _LONG_DIGITS.match(text) for text in texts) and _fits(values, parse_number):
        return "number", ()
    if not all(_DIGITS_ONLY.match(text) for text in texts) and _fits(texts, parse_date):
        return "date", ()
    distinct = sorted(set(texts), key=str.casefold)
    if len(distinct) <= MAX_CHOICES and len(texts) >= 2 * len(distinct) and all(len(text) <= 40 for text in distinct):
        return "choice", tuple(distinct)
    return "string", ()


def column_sample_types(rows: Iterable[dict], columns: Iterable[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """`infer_type` for each column over the sampled rows."""
    columns = list(columns)
    cells: dict[str, list] = {column: [] for column in columns}
    for row in rows:
        for column in columns:
            cells[column].append(row.get(column))
    return {column: infer_type(cells[column]) for column in columns}

