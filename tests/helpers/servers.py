"""Serving processes with the embedded background work, on the test database.

`embedded_server("runserver" | "gunicorn", …)` starts the server in a session of its
own (runserver's autoreloader is a parent and a serving child), with the settings of
tests/helpers/embedded_settings.py and DATABASE_URL naming this test's database, waits
until it answers /healthz, and stops the whole session on exit. Data a server must see
has to be committed: `django_db(transaction=True, serialized_rollback=True)`.
"""

import contextlib
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.helpers.celery import free_port, shared_database_url, wait_until
from tests.helpers.processes import ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log_path: Path):
        self.process, self.port, self.log_path = process, port, log_path

    def log(self) -> str:
        return "Server log:\n" + self.log_path.read_text(errors="replace")[-4000:]

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"server exited with {self.process.returncode}. {self.log()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False


@contextlib.contextmanager
def embedded_server(kind: str, log_path: Path, *, env: dict[str, str] | None = None, workers: int = 2,
                    timeout: float = 60) -> Iterator[Server]:
    """A real runserver (autoreloader on) or `gunicorn -w workers` serving config.wsgi."""
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.helpers.embedded_settings",
        "DATABASE_URL": shared_database_url(),
        "PYTHONPATH": str(ROOT),
        "no_proxy": "127.0.0.1",
        **(env or {}),
    }
    environment.pop("CELERY_BROKER_URL", None)  # the embedded default: no broker
    if kind == "runserver":
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"]
    else:
        command = [str(GUNICORN), "config.wsgi:application", "--workers", str(workers), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{port}", "--timeout", "60"]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(process, port, log_path)
    try:
        wait_until(server.answers, timeout=timeout, interval=0.2, message=server.log)
        yield server
    finally:
        _stop_session(process)


def _stop_session(process: subprocess.Popen) -> None:
    """SIGTERM to the session we started (the server and its children), then SIGKILL if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    with contextlib.suppress(ProcessLookupError):  # runserver's child may outlive its parent briefly
        os.killpg(process.pid, signal.SIGKILL)


def parent_pid(pid: int) -> int:
    """The parent of a running process, from /proc (Linux)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
