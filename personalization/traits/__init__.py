"""Pure core of trait data from a CRM: reading files, parsing values by type, inferring types, checking rows.

Imports nothing but the standard library (tests/test_layers.py), so it can be
tested and benchmarked on its own; the Django side (personalization.traitsync)
writes what it produces.
"""

from .inference import infer_type
from .reader import read_rows, sniff_format
from .rows import RowCheck, RowPlan, TraitSpec, check_row
from .values import ABSENT, TRAIT_TYPES, ValueProblem, json_value, parse_value

__all__ = [
    "ABSENT",
    "TRAIT_TYPES",
    "RowCheck",
    "RowPlan",
    "TraitSpec",
    "ValueProblem",
    "check_row",
    "infer_type",
    "json_value",
    "parse_value",
    "read_rows",
    "sniff_format",
]
