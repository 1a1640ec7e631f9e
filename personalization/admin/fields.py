"""Form fields of the segment admin."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from personalization.json_input import JSONInputError, loads_bounded


class BoundedJSONField(forms.JSONField):
    """Django's JSON form field, decoding with `loads_bounded`: deep nesting or a number too long
    for Python is a form error (Django catches only JSONDecodeError, and answers a 500)."""

    def to_python(self, value):
        if self.disabled or value in self.empty_values or not isinstance(value, str):
            return super().to_python(value)
        try:
            return loads_bounded(value)
        except JSONInputError as exc:
            # Malformed JSON keeps Django's message; the limits say which one was hit.
            message = self.error_messages["invalid"] if isinstance(exc.__cause__, json.JSONDecodeError) else str(exc)
            raise ValidationError(message, code="invalid", params={"value": value}) from exc

    def bound_data(self, data, initial):
        if self.disabled or data is None:
            return super().bound_data(data, initial)
        try:
            return loads_bounded(data)
        except JSONInputError:
            return InvalidJSONInput(data)  # shown back as typed
