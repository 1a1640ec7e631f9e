"""Rows of a CSV or JSON Lines file, one at a time (constant memory whatever the file's size)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import IO

# A CRM export's cell can be long (notes), not unbounded.
csv.field_size_limit(1024 * 1024)


class FileProblem(ValueError):
    """A file that cannot be read as rows at all (not a CSV or JSONL file, no header)."""


def sniff_format(filename: str, head: str) -> str:
    """`jsonl` or `csv`, from the name, else from the first character of the file."""
    name = filename.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    return "jsonl" if head.lstrip().startswith("{") else "csv"


def _dialect(first_line: str) -> str:
    # Spreadsheets in many locales write `;`, some exports tabs: the most frequent separator wins.
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t", "|")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def read_rows(stream: IO[str], fmt: str) -> tuple[list[str], Iterator[tuple[int, dict | None, str | None]]]:
    """The columns and an iterator of (row number, row or None, problem).

    Row numbers count data rows from 1 (the header of a CSV is not a row). A line
    that is not a JSON object, or a CSV row with more cells than the header, comes
    as (number, None, why), so it can be reported rather than dropped.
    JSONL columns are those of the first object, then any seen later are added.
    """
    if fmt == "jsonl":
        return _jsonl(stream)
    return _csv(stream)


def _csv(stream: IO[str]) -> tuple[list[str], Iterator]:
    first = stream.readline()
    if first.startswith("\ufeff"):
        first = first[1:]
    if not first.strip():
        raise FileProblem("the file is empty or has no header row")
    delimiter = _dialect(first)
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    columns = [name.strip() for name in header]
    if len(set(columns)) != len(columns) or any(not name for name in columns):
        raise FileProblem("the header row has blank or repeated column names")

    def rows() -> Iterator[tuple[int, dict | None, str | None]]:
        reader = csv.reader(stream, delimiter=delimiter)
        for number, cells in enumerate(reader, start=1):
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                yield number, None, "empty line"
                continue
            if len(cells) > len(columns):
                yield number, None, f"{len(cells)} cells for {len(columns)} columns"
                continue
            yield number, dict(zip(columns, cells)), None  # missing trailing cells are blanks

    return columns, rows()


def _jsonl(stream: IO[str]) -> tuple[list[str], Iterator]:
    # Read ahead to the first object for the columns, then replay it.
    pending: list[tuple[int, str]] = []
    columns: list[str] = []
    number = 0
    for line in stream:
        number += 1
        pending.append((number, line))
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            columns = [str(key) for key in item]
            break
        if len(pending) > 1000:
            break
    if not columns:
        raise FileProblem("no JSON object found in the first lines")

    def rows() -> Iterator[tuple[int, dict | None, str | None]]:
        def lines():
            yield from pending
            yield from enumerate(stream, start=number + 1)

        for line_number, line in lines():
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                yield line_number, None, "not valid JSON"
                continue
            if not isinstance(item, dict):
                yield line_number, None, "not a JSON object"
                continue
            for key in item:
                if key not in columns:
                    columns.append(str(key))
            yield line_number, item, None

    return columns, rows()
