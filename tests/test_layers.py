"""The allowed import directions between the project's parts (PRODUCT.md, "The parts").

    config            the top: settings, URLs, Celery; may import everything
    personalization   builds on cms; its engine imports nothing but the standard library, its
                      statistics (experiments.stats) only that, numpy and scipy
    search            may import cms, not personalization
    cms               the hub: imports neither personalization nor search

Every import counts, inside functions too (ast.walk), relative ones resolved. Migrations are
scanned like any module: they name other apps by label, never import them.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("cms", "personalization", "search", "config")
ENGINE = "personalization.engine"
# Pure cores: the standard library and themselves only (no Django, no other part of the project).
PURE_CORES = (ENGINE, "personalization.traits")
# Numeric pure cores: the standard library, themselves and these numeric libraries (no Django).
NUMERIC_CORES = {
    "personalization.experiments.stats": ("numpy", "scipy"),
    "personalization.insight.churn": ("numpy", "sklearn"),
}

# package → project packages it must never import
FORBIDDEN = {
    "cms": ("personalization", "search"),
    "search": ("personalization",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[str]:
    """Absolute names of every module a file imports, anywhere in it."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from . import x` and `from cms.api import views` may import submodules
            names += [f"{base}.{alias.name}" for alias in node.names] if base else []
            names.append(base)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules(package)
        for name in set(imports_of(path))
        if any(_within(name, other) for other in forbidden)
    )


def engine_violations(core: str = ENGINE, allowed: tuple[str, ...] = ()) -> list[str]:
    """A pure core's imports that are neither the standard library, the core itself nor `allowed`
    top-level packages (Django, the rest of us)."""
    return sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules(core)
        for name in set(imports_of(path))
        if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] not in allowed and not _within(name, core)
    )


# Pure cores: no Django, no Wagtail, nothing of the project but other pure cores (and the
# standard library or the numeric/ML libraries they compute with).
PURE = (
    "personalization.engine",
    "personalization.events.validation",
    "personalization.insight.sentiment",
    "personalization.insight.drivers",
    "personalization.insight.tokens",
    "personalization.insight.validation",
    "personalization.coverage",
)
FRAMEWORKS = ("django", "wagtail", "rest_framework", "drf_spectacular", "modelcluster", "taggit", "celery")


def _pure_files(core: str) -> list[Path]:
    package = ROOT / core.replace(".", "/")
    return _modules(core) if package.is_dir() else [package.with_suffix(".py")]


def pure_violations(core: str) -> list[str]:
    """Imports of a pure core that are a framework or a part of the project that is not itself pure."""
    return sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in _pure_files(core)
        for name in set(imports_of(path))
        if name.split(".")[0] in FRAMEWORKS
        or (name.split(".")[0] in PROJECT and not any(_within(name, pure) for pure in PURE))
    )


@pytest.mark.parametrize("core", PURE)
def test_pure_cores_import_no_framework_and_nothing_impure_of_the_project(core: str) -> None:
    assert all(path.exists() for path in _pure_files(core))
    assert pure_violations(core) == []


def test_the_pure_scan_catches_django_in_a_core(tmp_path, monkeypatch) -> None:
    core = tmp_path / "personalization" / "insight"
    core.mkdir(parents=True)
    (core / "drivers.py").write_text("import math\ndef f():\n    from django.db import models\n    from personalization.models import Segment\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert pure_violations("personalization.insight.drivers") == [
        "personalization/insight/drivers.py: django.db",
        "personalization/insight/drivers.py: django.db.models",
        "personalization/insight/drivers.py: personalization.models",
        "personalization/insight/drivers.py: personalization.models.Segment",
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_in_the_allowed_directions(package: str) -> None:
    assert len(_modules(package)) > 1
    assert violations(package, FORBIDDEN[package]) == []


def test_the_engine_imports_only_the_standard_library_and_itself() -> None:
    assert len(_modules(ENGINE)) > 5
    assert engine_violations() == []


def test_the_search_backend_settings_import_only_the_standard_library() -> None:
    # config.settings imports it while the settings load: Django is not set up yet.
    path = ROOT / "search" / "backends.py"
    names = [name for name in imports_of(path) if name.split(".")[0] not in sys.stdlib_module_names]
    assert names == []


@pytest.mark.parametrize("core", PURE_CORES)
def test_each_pure_core_imports_only_the_standard_library_and_itself(core: str) -> None:
    assert len(_modules(core)) > 3
    assert engine_violations(core) == []


@pytest.mark.parametrize("core", sorted(NUMERIC_CORES))
def test_each_numeric_core_imports_no_django_nor_the_rest_of_the_project(core: str) -> None:
    assert len(_modules(core)) > 3
    assert engine_violations(core, NUMERIC_CORES[core]) == []


def test_a_numeric_core_importing_django_is_caught(tmp_path, monkeypatch) -> None:
    core = tmp_path / "personalization" / "insight" / "churn"
    core.mkdir(parents=True)
    (core / "__init__.py").write_text("")
    (core / "model.py").write_text("import numpy as np\nfrom sklearn.linear_model import LogisticRegression\n"
                                    "def save():\n    from django.db import models\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)

    assert engine_violations("personalization.insight.churn", ("numpy", "sklearn")) == [
        "personalization/insight/churn/model.py: django.db",
        "personalization/insight/churn/model.py: django.db.models",
    ]


def test_the_scan_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch) -> None:
    package = tmp_path / "cms" / "api"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "views.py").write_text(
        "from . import lookups\nfrom ..models import Channel\n"
        "def view():\n    from personalization.delivery import State\n    import search.backends\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)

    assert violations("cms", FORBIDDEN["cms"]) == [
        "cms/api/views.py: personalization.delivery",
        "cms/api/views.py: personalization.delivery.State",
        "cms/api/views.py: search.backends",
    ]
    assert {"cms.api.lookups", "cms.models.Channel"} <= set(imports_of(package / "views.py"))


# Pure cores outside the engine: single modules that import only the standard library.
PURE_MODULES = ("search/snippets.py",)


@pytest.mark.parametrize("relative", PURE_MODULES)
def test_pure_modules_import_only_the_standard_library(relative: str) -> None:
    path = ROOT / relative
    outside = sorted(name for name in set(imports_of(path)) if name.split(".")[0] not in sys.stdlib_module_names)
    assert outside == [], outside
