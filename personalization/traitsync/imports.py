"""Importing trait values from a CSV or JSON Lines file: streamed, checked row by row, written in batches.

Shared by `manage.py import_traits` and the admin's background job. Memory stays
constant: rows are read one at a time, BATCH_SIZE at most are held, and rejected rows
go straight to the rejects CSV (row, column, reason). Nothing is dropped silently:
every data row is either applied or listed there, and unmapped columns are named in
the summary.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import IO

from django.db import transaction
from django.utils.text import slugify

from personalization.models import TraitDefinition
from personalization.traits import RowPlan, TraitSpec, check_row, read_rows
from personalization.traits.inference import column_sample_types
from personalization.traitsync.store import traits_merge_batch

BATCH_SIZE = 2000
SAMPLE_ROWS = 1000  # rows read ahead to infer the types of traits created from columns
REJECTS_HEADER = ("row", "column", "reason")


class ImportProblem(ValueError):
    """The import cannot start (unknown column or trait, computed trait mapped): nothing was written."""


@dataclass
class ImportSummary:
    """What an import did (or, dry, would do)."""

    rows: int = 0
    applied: int = 0
    rejected: int = 0
    changed: int = 0
    created: int = 0
    dry_run: bool = False
    traits_created: list[str] = field(default_factory=list)
    columns_ignored: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """The summary in words, as the command prints it."""
        verb = "would change" if self.dry_run else "changed"
        lines = [
            f"{'Dry run: ' if self.dry_run else ''}{self.rows} rows read, {self.applied} valid, {self.rejected} rejected.",
            f"{self.changed} profiles {verb} ({self.created} new).",
        ]
        if self.traits_created:
            lines.append(f"Traits {'to create' if self.dry_run else 'created'}: {', '.join(self.traits_created)}.")
        if self.columns_ignored:
            lines.append(f"Columns not imported (no trait): {', '.join(self.columns_ignored)}.")
        return lines


def trait_name_for(column: str) -> str:
    """A trait name (a slug, as rules write trait.<name>) for a column heading."""
    return slugify(column).replace("-", "_")[:64] or "column"


def _sample(rows: Iterator, size: int) -> tuple[list, Iterator]:
    head = list(itertools.islice(rows, size))
    return head, itertools.chain(head, rows)


def infer_columns(rows: list[tuple[int, dict | None, str | None]], columns: list[str]) -> dict[str, dict]:
    """Inferred type (and choices) of each column over sampled rows: {column: {"type", "choices"}}."""
    sample = [row for _, row, _ in rows if row is not None]
    return {column: {"type": kind, "choices": list(choices)} for column, (kind, choices) in column_sample_types(sample, columns).items()}


def build_plan(
    columns: list[str], *, id_column: str, mapping: Mapping[str, str] | None, new_traits: Mapping[str, dict],
) -> tuple[RowPlan, list[str]]:
    """The row plan from the file's columns: explicit `mapping` ({column: trait}), else columns named
    like a trait; `new_traits` ({trait: {"type", "choices"}}) are traits about to be created.

    Returns the plan and the columns left out. Refuses unknown columns and traits and computed traits.
    """
    if id_column not in columns:
        raise ImportProblem(f"no column {id_column!r} in the file (columns: {', '.join(columns)})")
    catalogue = {trait.name: trait for trait in TraitDefinition.objects.all()}
    specs = {
        name: TraitSpec(name, trait.type, tuple(trait.choices or ()), trait.computed) for name, trait in catalogue.items()
    }
    specs.update({name: TraitSpec(name, spec["type"], tuple(spec.get("choices") or ())) for name, spec in new_traits.items()})
    explicit = dict(mapping or {})
    if unknown := sorted(set(explicit) - set(columns)):
        raise ImportProblem(f"no column {', '.join(map(repr, unknown))} in the file")
    planned: dict[str, TraitSpec] = {}
    for column in columns:
        if column == id_column:
            continue
        name = explicit.get(column, trait_name_for(column))
        if column in explicit and name not in specs:
            raise ImportProblem(f"column {column!r} is mapped to {name!r}, which is not a trait")
        if column in explicit and specs[name].computed:
            raise ImportProblem(f"trait {name!r} is computed by the hub and cannot be imported")
        if name in specs and not specs[name].computed:  # a column merely named like a computed trait is left out
            planned[column] = specs[name]
    ignored = [column for column in columns if column != id_column and column not in planned]
    return RowPlan(id_column, planned), ignored


def traits_create(new_traits: Mapping[str, dict]) -> list[str]:
    """Create the catalogue entries for traits made from columns (CRM category, not computed)."""
    created = []
    for name, spec in new_traits.items():
        _, made = TraitDefinition.objects.get_or_create(
            name=name, defaults={"type": spec["type"], "choices": list(spec.get("choices") or []), "description": "Created by an import."}
        )
        if made:
            created.append(name)
    return sorted(created)


def import_stream(
    stream: IO[str],
    fmt: str,
    *,
    id_column: str,
    rejects: IO[str],
    source: str,
    mapping: Mapping[str, str] | None = None,
    create_traits: bool = False,
    new_traits: Mapping[str, dict] | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import a file's rows; each batch commits on its own (a failure keeps earlier batches).

    `create_traits` makes traits of unmapped columns, typed from the first SAMPLE_ROWS rows;
    `new_traits` gives them explicitly (the admin, after the marketer confirmed the types).
    `progress(n)` is called after each batch with the rows done so far.
    """
    columns, rows = read_rows(stream, fmt)
    new_traits = dict(new_traits or {})
    if create_traits:
        head, rows = _sample(rows, SAMPLE_ROWS)
        known = set(TraitDefinition.objects.values_list("name", flat=True)) | set(new_traits)
        explicit = dict(mapping or {})
        inferred = infer_columns(head, columns)
        for column in columns:
            name = explicit.get(column) or trait_name_for(column)
            if column != id_column and name not in known:
                new_traits[name] = inferred[column]
                known.add(name)
    plan, ignored = build_plan(columns, id_column=id_column, mapping=mapping, new_traits=new_traits)
    summary = ImportSummary(dry_run=dry_run, columns_ignored=ignored, mapping={c: s.name for c, s in plan.columns.items()})
    if dry_run:
        existing = set(TraitDefinition.objects.filter(name__in=list(new_traits)).values_list("name", flat=True))
        summary.traits_created = sorted(set(new_traits) - existing)
    else:
        with transaction.atomic():
            summary.traits_created = traits_create(new_traits)
    writer = csv.writer(rejects)
    writer.writerow(REJECTS_HEADER)
    batch: list[tuple[str, dict]] = []
    for number, row, problem in rows:
        summary.rows += 1
        if row is None:
            writer.writerow((number, "", problem))
            summary.rejected += 1
            continue
        checked = check_row(plan, number, row)
        if not checked.ok:
            writer.writerows((number, column, reason) for column, reason in checked.problems)
            summary.rejected += 1
            continue
        summary.applied += 1
        if checked.values:
            batch.append((checked.visitor_id, checked.values))
        if len(batch) >= batch_size:
            _flush(batch, summary, source, dry_run, progress)
            batch = []
    _flush(batch, summary, source, dry_run, progress)
    return summary


def _flush(batch, summary: ImportSummary, source: str, dry_run: bool, progress) -> None:
    result = traits_merge_batch(batch, source=source, dry_run=dry_run)
    summary.changed += result.changed
    summary.created += result.created
    if progress:
        progress(summary.rows)
