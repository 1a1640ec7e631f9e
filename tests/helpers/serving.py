"""Real serving processes for tests that one process cannot prove: gunicorn on the test database.

`serving(env)` starts `gunicorn config.wsgi` on a free port with the test settings and
this test's database (its data must be committed: `django_db(transaction=True,
serialized_rollback=True)`), waits until /healthz answers, yields its base URL and stops it.
"""

import contextlib
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.helpers.celery import _stop, free_port, shared_database_url, wait_until
from tests.helpers.processes import ROOT, SERVICE_VARIABLES


def _answers(url: str, process: subprocess.Popen, log_path: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text(errors='replace')[-4000:]}")
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def serving(log_path: Path, env: dict[str, str] | None = None, *, timeout: float = 60) -> Iterator[str]:
    """A gunicorn worker serving this test's database; `env` adds settings (REDIS_URL, …)."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": shared_database_url()})
    clean.update(env or {})
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "--log-level", "warning"]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=clean, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url, process, log_path), timeout=timeout, interval=0.2)
        yield url
    finally:
        _stop(process, timeout=15)
