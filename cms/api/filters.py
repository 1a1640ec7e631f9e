"""Wagtail's API filters, made to answer 400 (never 500) for values the database cannot take."""

from datetime import timezone
from types import SimpleNamespace

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from wagtail.api.v2.filters import FieldsFilter
from django.utils.dateparse import parse_datetime
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
        query = self._checked(request, queryset)
        try:
            return super().filter_queryset(SimpleNamespace(GET=query), queryset, view)
        except (ValueError, TypeError, ValidationError, OverflowError) as exc:
            raise BadRequestError(f"field filter error. {_text(exc)}") from exc

    def _checked(self, request, queryset):
        """The query parameters as the database can take them, or a 400 before the query runs (the
        database raises only when the lazy queryset is evaluated, outside the filter): integers
        within 64 bits, and date-times in UTC (RFC 3339 offsets reach ±23:59, PostgreSQL's ±15:59)."""
        query = request.GET.copy()
        for name, value in request.GET.items():
            try:
                field = queryset.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if _integer_valued(field) and _beyond_64_bits(value):
                raise BadRequestError(f"field filter error. '{value}' is not a valid value for {name} (out of range)")
            if isinstance(field, models.DateTimeField):
                try:
                    query[name] = _in_utc(value)
                except OverflowError as exc:
                    raise BadRequestError(f"field filter error. '{value}' is not a valid value for {name} (out of range)") from exc
        return query


def _beyond_64_bits(value: str) -> bool:
    try:
        return abs(int(value)) > MAX_ID
    except ValueError:
        return False  # not a number at all: Wagtail (or the lookup) refuses it in its own words


def _in_utc(value: str) -> str:
    """A date-time with an offset as the same instant in UTC; anything else as it came."""
    try:
        moment = parse_datetime(value)
    except ValueError:
        return value  # malformed: the lookup refuses it in its own words
    if moment is None or moment.utcoffset() is None:
        return value
    return moment.astimezone(timezone.utc).isoformat()


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
