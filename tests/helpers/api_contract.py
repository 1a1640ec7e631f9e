"""Every `/api/` response a test receives is checked against the OpenAPI schema the API serves.

`checking_api_responses()` wraps Django's test `Client.request` (DRF's `APIClient` goes
through it too), and the real serving processes of tests/helpers/servers.py call `check`,
so that a response to any path under `/api/` fails the test that made it, at the
request, when:

- its path and method are not an operation of the schema and it is not a 404 (unknown
  path) or 405 (known path, other method) problem details body;
- its status code is not declared for the operation;
- its content type is not one declared for that status (or it has a body where the
  status declares none), or a required header is missing;
- its JSON body does not validate against the declared schema.

Validation is stricter than the schema: an object schema that lists `properties` and
says nothing about `additionalProperties` is treated as closed, so a member the code
adds without describing it (drift) fails. A schema that means to stay open says so
with an explicit `additionalProperties`.

The schema is generated once per session (per xdist worker), on the first `/api/`
response; a validator is compiled once per (operation, status, content type).
`/api/schema/` and `/api/docs/` serve the description itself and are not in it.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

# Served by drf-spectacular's views: the description and its browser UI, not operations of it.
UNDESCRIBED_PATHS = ("/api/schema/", "/api/docs/")
PROBLEM_CONTENT_TYPE = "application/problem+json"
MAX_REPORTED_ERRORS = 5


class ResponseContractError(AssertionError):
    """A response that the OpenAPI schema does not describe."""


def strict(node: Any) -> Any:
    """An OpenAPI 3.0 schema as a Draft 4 JSON schema, with unstated `additionalProperties` closed.

    `nullable: true` becomes `anyOf [schema, null]` (Draft 4 has no `nullable`).
    """
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: strict(value) for key, value in node.items() if key != "nullable"}
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


# What a path outside the schema may answer (404 unknown path, 405 other method).
PROBLEM_RESPONSE = {"content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


@dataclass
class Operation:
    method: str
    template: str
    responses: dict[str, dict]


class ResponseContract:
    """The schema's operations, and a validator per declared body, compiled on first use."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.components = {"schemas": strict(schema.get("components", {}).get("schemas", {}))}
        self._validators: dict[tuple[str, ...], jsonschema_rs.Draft4Validator] = {}
        # Literal segments before parameters: `/pages/find/` is not `/pages/{id}/`.
        templates = sorted(schema["paths"], key=lambda t: (t.count("{"), t))
        self.routes = [
            (re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"), template)
            for template in templates
        ]

    def operation(self, method: str, path: str) -> Operation | None | str:
        """The operation for this request; the template if only the method is unknown; None if the path is."""
        for pattern, template in self.routes:
            if pattern.match(path):
                item = self.schema["paths"][template]
                lookup = "get" if method == "head" else method
                if lookup in item:
                    return Operation(method, template, item[lookup]["responses"])
                return template
        return None

    def problems(self, method: str, path: str, status: int, headers, body: bytes) -> list[str]:
        """What this response does that the schema does not declare (empty when it conforms)."""
        found = self.operation(method, path)
        if isinstance(found, Operation):
            declared = found.responses.get(str(status)) or found.responses.get("default")
            if declared is None:
                return [f"status {status} is not declared (declared: {', '.join(sorted(found.responses))})"]
            where = (found.method, found.template)
        else:
            expected = 404 if found is None else 405
            if status != expected:
                what = "an unknown path" if found is None else f"a method {found} does not declare"
                return [f"{status} for {what}: expected a {expected} problem details body"]
            declared, where = PROBLEM_RESPONSE, ("", "")
        problems = [
            f"required header {name} is missing"
            for name, header in declared.get("headers", {}).items()
            if header.get("required") and name not in headers
        ]
        if method == "head":
            return problems
        content = declared.get("content", {})
        media_type = _media_type(headers.get("Content-Type", ""))
        if not content:
            return problems + ([f"a body where status {status} declares none"] if body else [])
        if media_type not in content:
            return problems + [f"content type {media_type!r} is not declared (declared: {', '.join(content)})"]
        schema = content[media_type].get("schema")
        if schema is None or not media_type.endswith("json"):
            return problems
        return problems + self._body_problems((*where, str(status), media_type), schema, body)

    def _body_problems(self, key: tuple[str, ...], schema: dict, body: bytes) -> list[str]:
        try:
            instance = json.loads(body)
        except ValueError as error:
            return [f"the body is not JSON: {error}"]
        validator = self._validators.get(key)
        if validator is None:
            document = {"allOf": [strict(schema)], "components": self.components}
            validator = self._validators[key] = jsonschema_rs.Draft4Validator(document, validate_formats=True)
        problems = []
        for error in validator.iter_errors(instance):
            problems += [_described(e) for e in _closest(error)]
            if len(problems) >= MAX_REPORTED_ERRORS:
                break
        return problems[:MAX_REPORTED_ERRORS]


def _closest(error) -> list:
    """The errors of the `oneOf`/`anyOf` branch the instance came closest to, else the error itself.

    A page body that fails `oneOf` its page types is reported as the few errors of its own type,
    not as "valid under none of the schemas".
    """
    branches = getattr(error.kind, "context", None)
    if not branches:
        return [error]
    branch = min(branches, key=lambda errors: (len(errors), -max(len(e.instance_path) for e in errors)))
    return [closest for e in branch for closest in _closest(e)]


def _described(error) -> str:
    where = "/".join(str(part) for part in error.instance_path) or "(body)"
    return f"{where}: {error.message}"


_contract: ResponseContract | None = None


def response_contract() -> ResponseContract:
    """The session's contract, from the schema drf-spectacular generates (built once)."""
    global _contract
    if _contract is None:
        from drf_spectacular.generators import SchemaGenerator

        _contract = ResponseContract(SchemaGenerator().get_schema(public=True))
    return _contract


@dataclass
class ContractStats:
    """How many responses were checked and the time it took (schema generation included)."""

    responses: int = 0
    seconds: float = 0.0


stats = ContractStats()


def check_response(method: str, path: str, response) -> None:
    """Raise ResponseContractError when this test-client response to `/api/` is not what the schema declares."""
    if method == "options" and "access-control-allow-methods" in response:
        return  # a CORS preflight, answered by django-cors-headers before any view
    body = b"" if response.streaming else response.content
    check(method, path, response.status_code, response.headers, body)


def check(method: str, path: str, status: int, headers, body: bytes) -> None:
    """Raise ResponseContractError when a response to `/api/` is not what the schema declares.

    `headers`: a case-insensitive mapping (Django's response headers, an HTTP client's message).
    """
    if not path.startswith("/api/") or path.startswith(UNDESCRIBED_PATHS):
        return
    started = time.perf_counter()
    try:
        problems = response_contract().problems(method.lower(), path, status, headers, body)
    finally:
        stats.responses += 1
        stats.seconds += time.perf_counter() - started
    if problems:
        excerpt = body[:500].decode(errors="replace")
        raise ResponseContractError(
            f"{method.upper()} {path} → {status} does not match the OpenAPI schema:\n  "
            + "\n  ".join(problems)
            + f"\nbody: {excerpt}"
        )


@contextlib.contextmanager
def checking_api_responses() -> Iterator[None]:
    """Check every `/api/` response of Django's test Client (and DRF's APIClient) while active."""
    from django.test.client import Client

    request = Client.request

    def checked_request(self, **environ):
        response = request(self, **environ)
        check_response(environ.get("REQUEST_METHOD", "GET").lower(), environ.get("PATH_INFO", ""), response)
        return response

    Client.request = checked_request
    try:
        yield
    finally:
        Client.request = request
