"""Running the project's own commands in a subprocess, with a controlled environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "ELASTICSEARCH_URL", "SECRET_KEY", "DEBUG")


def manage(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `manage.py` with the base settings and only the given service variables."""
    return python("manage.py", *args, env=env, timeout=timeout)


def python(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the project's Python with the base settings and only the given service variables."""
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES and k != "DJANGO_SETTINGS_MODULE"}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    clean.update(env or {})
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=timeout)
