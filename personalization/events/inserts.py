"""Inserting many rows of plain values: what bulk_create does, without a model instance per row.

bulk_create prepares every value of every row through its field (most of the time of a
demo seed or a rollup rebuild on SQLite); here each column's conversion is chosen once
and plain types pass through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice

from django.db import connection, models


def rows_insert(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence], *, batch_size: int = 2_000
) -> int:
    """Insert `rows` (value tuples in the order of `fields`) into `model`'s table; returns how many."""
    converters = [_converter(model._meta.get_field(name)) for name in fields]
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    inserted = 0
    rows = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(rows, batch_size)):
            cursor.executemany(sql, [
                tuple(value if convert is None or value is None else convert(value)
                      for convert, value in zip(converters, row))
                for row in batch
            ])
            inserted += len(batch)
    return inserted


def _converter(field: models.Field) -> Callable | None:
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind == "DecimalField":
        return lambda value: connection.ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if kind == "JSONField":
        return lambda value: field.get_db_prep_value(value, connection)
    return None
