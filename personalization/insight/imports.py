"""Feedback from a file (CSV with a header row, or JSON Lines), read as a stream in chunks.

Shared by `manage.py import_feedback` and the admin upload: each chunk goes through
`feedback_ingest` (so a file is validated, consented, scored and stored exactly as the API's
batches are), and rejections carry their line numbers.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from .ingest import feedback_ingest
from .validation import Rejection

CHUNK = 500
INTEGER_COLUMNS = ("page", "rating")


@dataclass
class ImportReport:
    """How many items were read, stored and already known, and every rejection with its line."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def file_format(name: str) -> str:
    """`csv` or `jsonl`, from a file name."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise ValueError("a feedback file is .csv or .jsonl")


def feedback_rows(lines: Iterable[str], fmt: str) -> Iterator[object]:
    """Items as the API would receive them: CSV cells typed (page and rating as integers,
    segments split on `|`, empty cells left out); a JSON line that does not parse is passed on
    as text, for the validator to reject with its line number."""
    if fmt == "csv":
        for row in csv.DictReader(lines):
            yield _typed({key.strip(): (value or "").strip() for key, value in row.items() if key})
        return
    for line in lines:
        if not line.strip():
            yield None  # keeps numbering; rejected as not an object
            continue
        try:
            yield json.loads(line)
        except ValueError:
            yield line


def _typed(row: dict[str, str]) -> dict:
    item: dict = {key: value for key, value in row.items() if value != ""}
    for column in INTEGER_COLUMNS:
        if column in item and item[column].lstrip("-").isdigit():
            item[column] = int(item[column])
    if "segments" in item:
        item["segments"] = [key.strip() for key in item["segments"].split("|") if key.strip()]
    return item


def feedback_import(
    items: Iterable[object],
    *,
    channel_id: int | None = None,
    consent: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] = lambda count: None,
) -> ImportReport:
    """Store the items chunk by chunk. `consent` is what the source recorded (e.g. `behaviour,crm`):
    without it, ids are kept only for visitors whose stored profile consents."""
    report = ImportReport()
    headers = {"X-Consent": consent} if consent is not None else {}
    stream = iter(items)
    while chunk := list(islice(stream, CHUNK)):
        result = feedback_ingest(items=chunk, headers=headers, channel_id=channel_id, require_id=False,
                                 dry_run=dry_run, offset=report.read)
        report.read += len(chunk)
        report.stored += result.stored
        report.duplicates += len(result.duplicates)
        report.rejected += result.rejected
        progress(len(chunk))
    return report


def text_lines(binary) -> io.TextIOWrapper:
    """An uploaded file's lines as text (UTF-8, a BOM tolerated)."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
