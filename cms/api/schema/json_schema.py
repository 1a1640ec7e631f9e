"""Small builders of JSON-schema (OpenAPI 3.0) objects, shared by every part of the description."""

from __future__ import annotations

import re
from typing import Any


def ref(name: str) -> dict:
    """A reference to the component schema `name`."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """`schema` or null (OpenAPI 3.0: a $ref cannot carry siblings, so it is wrapped in allOf)."""
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def string(description: str | None = None, **extra: Any) -> dict:
    """A string schema, with a description when given and any other keywords."""
    schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


def obj(
    properties: dict, required: list[str] | None = None, description: str | None = None, **extra: Any
) -> dict:
    """An object schema; `required` and `description` only when given, so that none is empty."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if description:
        schema["description"] = description
    schema.update(extra)
    return schema


def camel(name: str) -> str:
    """`call_to_action` → `CallToAction`: component names and operation ids from snake-case names."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


def model_label(model: type) -> str:
    """Wagtail's `meta.type`: `app_label.ModelName`."""
    return f"{model._meta.app_label}.{model.__name__}"
