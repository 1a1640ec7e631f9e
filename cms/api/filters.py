"""Wagtail's API filters, made to answer 400 (never 500) for values the database cannot take."""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from wagtail.api.v2.filters import FieldsFilter
from wagtail.api.v2.utils import BadRequestError

MAX_ID = 2**63 - 1


class DeliveryFieldsFilter(FieldsFilter):
    """Field filters whose malformed or out-of-range values are 400s with Wagtail's wording."""

    def filter_queryset(self, request, queryset, view):
        self._check_integers(request, queryset)
        try:
            return super().filter_queryset(request, queryset, view)
        except (ValueError, TypeError, ValidationError, OverflowError) as exc:
            raise BadRequestError(f"field filter error. {_text(exc)}") from exc

    def _check_integers(self, request, queryset) -> None:
        for name, value in request.GET.items():
            try:
                field = queryset.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            numeric = isinstance(field, (models.IntegerField, models.AutoField, models.ForeignKey))
            if numeric and value.lstrip("-").isdigit() and abs(int(value)) > MAX_ID:
                raise BadRequestError(f"field filter error. '{value}' is not a valid value for {name} (out of range)")


def _text(exc: Exception) -> str:
    return "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
