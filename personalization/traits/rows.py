"""One row of an import checked against the plan: the visitor id and the values it sets, or why not."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .values import ABSENT, ValueProblem, parse_value

MAX_VISITOR_ID_LENGTH = 128  # VisitorProfile.visitor_id


@dataclass(frozen=True, slots=True)
class TraitSpec:
    """The catalogue's word on one trait: its type, choices and whether the hub computes it."""

    name: str
    type: str
    choices: tuple[str, ...] = ()
    computed: bool = False


@dataclass(frozen=True, slots=True)
class RowPlan:
    """What to read from each row: the identity column and the column → trait mapping."""

    id_column: str
    columns: Mapping[str, TraitSpec] = field(default_factory=dict)
    # (column, spec, parse) per column, bound once: a file has millions of cells.
    parsers: tuple[tuple[str, TraitSpec, Callable[[object], object]], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bound = tuple((column, spec, _parser(spec)) for column, spec in self.columns.items())
        object.__setattr__(self, "parsers", bound)


def _parser(spec: TraitSpec) -> Callable[[object], object]:
    kind, choices = spec.type, spec.choices

    def parse(raw: object) -> object:
        return parse_value(kind, raw, choices)

    return parse


@dataclass(frozen=True, slots=True)
class RowCheck:
    """A row's outcome: its visitor id and values (all valid), or the problems (column, reason)."""

    number: int
    visitor_id: str | None
    values: dict[str, object]
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def check_row(plan: RowPlan, number: int, row: Mapping[str, object]) -> RowCheck:
    """Check one row; a row is applied whole or rejected whole, with every problem it has."""
    problems: list[tuple[str, str]] = []
    raw_id = row.get(plan.id_column)
    visitor_id = "" if raw_id is None or isinstance(raw_id, (dict, list, bool)) else str(raw_id).strip()
    if not visitor_id:
        problems.append((plan.id_column, "no visitor id"))
    elif len(visitor_id) > MAX_VISITOR_ID_LENGTH:
        problems.append((plan.id_column, f"visitor id longer than {MAX_VISITOR_ID_LENGTH} characters"))
    values: dict[str, object] = {}
    for column, spec, parse in plan.parsers:
        if spec.computed:
            problems.append((column, f"trait '{spec.name}' is computed by the hub and cannot be imported"))
            continue
        raw = row.get(column)
        if not raw and raw is not False and raw != 0:  # blank: absent (the commonest cell in an export)
            continue
        try:
            value = parse(raw)
        except ValueProblem as exc:
            problems.append((column, str(exc)))
            continue
        if value is not ABSENT:
            values[spec.name] = value
    return RowCheck(number, visitor_id or None, values if not problems else {}, tuple(problems))
