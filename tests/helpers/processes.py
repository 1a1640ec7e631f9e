"""Running the project's own commands in a subprocess, with a controlled environment."""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "ELASTICSEARCH_URL", "SECRET_KEY", "DEBUG")


def manage(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `manage.py` with the base settings and only the given service variables."""
    return python("manage.py", *args, env=env, timeout=timeout)


def python(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the project's Python with the base settings and only the given service variables."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment(env), capture_output=True, text=True, timeout=timeout
    )


def environment(
    env: Mapping[str, str] | None = None, *, settings: str = "config.settings.base"
) -> dict[str, str]:
    """This process's environment without its service variables, with `settings` and then `env`.

    What a test runs in another process uses only the services the test names, never
    whatever the shell running pytest exports.
    """
    dropped = (*SERVICE_VARIABLES, "DJANGO_SETTINGS_MODULE")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**clean, "DJANGO_SETTINGS_MODULE": settings, **(env or {})}
