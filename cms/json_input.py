"""JSON typed or posted by people, decoded within bounds.

Python's decoder raises RecursionError on deep nesting and a plain ValueError on an
integer longer than its int-string conversion limit (4,300 digits); neither is a
JSONDecodeError, so code that catches only that (Django's JSON form field does) answers
a 500. `loads_bounded` turns both, and nesting deeper than anything a segment needs,
into `JSONInputError`; `BoundedJSONField` is the admin's form field for every JSONField
(registered in CmsConfig.ready).
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

MAX_DEPTH = 64  # levels of arrays and objects; definitions nest conditions at most 10 deep


class JSONInputError(ValueError):
    """JSON that cannot be taken; the message says why, for a form error or a 400."""


def loads_bounded(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> object:
    """The value `text` encodes, or JSONInputError when it is malformed, too deep or has too long a number."""
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise JSONInputError(f"The JSON is nested more than {max_depth} levels deep.") from exc
    except json.JSONDecodeError as exc:
        raise JSONInputError(f"Enter valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from exc
    except UnicodeDecodeError as exc:
        raise JSONInputError("The JSON is not valid UTF-8.") from exc
    except ValueError as exc:  # Python's int-string conversion limit
        raise JSONInputError("The JSON has a number with too many digits.") from exc
    if nesting_depth(value, limit=max_depth) > max_depth:
        raise JSONInputError(f"The JSON is nested more than {max_depth} levels deep.")
    return value


def nesting_depth(value: object, *, limit: int | None = None) -> int:
    """Levels of arrays and objects in a decoded value (a scalar is 0), counted without recursion;
    stops counting once past `limit`."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (list, dict)):
            continue
        deepest = max(deepest, depth)
        if limit is not None and deepest > limit:
            break
        stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


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
