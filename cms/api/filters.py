"""Wagtail's API filters, made to answer 400 (never 500) for values the database cannot take."""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from wagtail.api.v2.filters import FieldsFilter
from wagtail.api.v2.utils import BadRequestError

MAX_ID = 2**63 - 1  # the largest value a 64-bit integer column (SQLite's, PostgreSQL's bigint) holds


def parse_id(value: str) -> int | None:
    """`value` as a row id: ASCII digits within 64 bits, else None.

    `str.isdigit()` alone is not enough: it accepts superscripts ('¹') that `int()`
    refuses, and a 5,000-digit string makes `int()` raise (Python's conversion limit).
    """
    if value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID)):
        number = int(value)
        return number if number <= MAX_ID else None
    return None


class DeliveryFieldsFilter(FieldsFilter):
    """Field filters whose malformed or out-of-range values are 400s with Wagtail's wording."""

    def filter_queryset(self, request, queryset, view):
        self._check_integers(request, queryset)
        try:
            return super().filter_queryset(request, queryset, view)
        except (ValueError, TypeError, ValidationError, OverflowError) as exc:
            raise BadRequestError(f"field filter error. {_text(exc)}") from exc

    def _check_integers(self, request, queryset) -> None:
        """Refuse integers beyond 64 bits before the query runs: SQLite raises OverflowError only
        when the (lazy) queryset is evaluated, outside the filter."""
        for name, value in request.GET.items():
            try:
                field = queryset.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not _integer_valued(field):
                continue
            try:
                number = int(value)
            except ValueError:
                continue  # not a number at all: Wagtail (or the lookup) refuses it in its own words
            if abs(number) > MAX_ID:
                raise BadRequestError(f"field filter error. '{value}' is not a valid value for {name} (out of range)")


def _integer_valued(field) -> bool:
    """Whether filtering on `field` compares integers: integer columns and relations to integer keys."""
    if isinstance(field, (models.IntegerField, models.AutoField)):
        return True
    if field.is_relation and (field.many_to_one or field.one_to_one or field.many_to_many):
        target = getattr(field, "target_field", None)
        return isinstance(target, (models.IntegerField, models.AutoField))
    return False


def _text(exc: Exception) -> str:
    return "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
