"""The engine stays pure: it imports nothing but the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import personalization.engine

ENGINE = Path(personalization.engine.__file__).parent


def _imports(path: Path) -> list[str]:
    """Top-level names of the absolute imports of a module."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
    return names


def test_engine_imports_only_the_standard_library_and_itself() -> None:
    modules = sorted(ENGINE.glob("*.py"))
    assert len(modules) > 5
    offending = [
        f"{path.name}: {name}"
        for path in modules
        for name in _imports(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith("personalization.engine")
    ]
    assert offending == []
