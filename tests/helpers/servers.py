"""Real serving processes on the test database, for claims that one process cannot prove.

`serving(log_dir, env, count=…, kind=…, workers=…)` starts `count` servers on free ports
of 127.0.0.1 — `gunicorn config.wsgi` with `workers` sync workers, or `manage.py
runserver` with its autoreloader — each in a session of its own, with this process's
environment minus its service variables, the test settings, DATABASE_URL naming this
test's database, and `env` on top (`env` may name another DJANGO_SETTINGS_MODULE). It
waits until every one answers /healthz, yields them as `Server`s and stops them on exit.
Data a server must see has to be committed: `django_db(transaction=True, serialized_rollback=True)`.

- `shared_state_env()`: the environment processes need to share this run's database,
  stamps, cache and media (base settings); `shell(code, env)` runs code as a third process.
- `embedded_env(env)`: a server with the embedded background work and no broker.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from tests.helpers import api_contract
from tests.helpers.celery import free_port, shared_database_url, wait_until
from tests.helpers.processes import ROOT, SERVICE_VARIABLES, environment, manage

GUNICORN = Path(sys.executable).with_name("gunicorn")


@dataclass
class Server:
    """One serving process (runserver: its autoreloader) listening on 127.0.0.1:port."""

    process: subprocess.Popen
    port: int
    log_path: Path

    def log(self) -> str:
        """The end of the server's log, for failure messages."""
        return f"Server log ({self.port}):\n" + self.log_path.read_text(errors="replace")[-4000:]

    def get(
        self, path: str, key: str | None = None, *, timeout: float = 30, headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict]:
        """(status, JSON body or {}) of GET path, with extra request `headers` (a visitor's, say)."""
        return self.request(path, key=key, timeout=timeout, headers=headers)

    def post(self, path: str, body: dict, key: str | None = None, *, timeout: float = 30) -> tuple[int, dict]:
        """(status, JSON body or {}) of POST body as JSON to path."""
        return self.request(path, key=key, body=body, timeout=timeout)

    def request(
        self, path: str, *, key: str | None = None, body: dict | None = None, timeout: float = 30,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict]:
        """GET path, or POST `body` to it, with the API key `key`; redirects are followed."""
        headers = {"Content-Type": "application/json", **(headers or {})}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                content = response.read()
                status, headers, url = response.status, response.headers, response.url
        except urllib.error.HTTPError as error:
            content = error.read()
            status, headers, url = error.code, error.headers, error.url
        # The answer (after redirects) is checked against the OpenAPI schema like a test client's.
        api_contract.check(request.get_method(), urlsplit(url).path, status, headers, content)
        return status, json.loads(content) if content.startswith(b"{") else {}

    def answers(self) -> bool:
        """Whether /healthz answers 200; fails at once, with the log, if the server has exited."""
        if self.process.poll() is not None:
            raise AssertionError(f"server exited with {self.process.returncode}. {self.log()}")
        try:
            return self.get("/healthz", timeout=2)[0] == 200
        except OSError:  # not listening yet
            return False


@contextlib.contextmanager
def serving(
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    *,
    count: int = 1,
    kind: str = "gunicorn",
    workers: int = 1,
    timeout: float = 60,
) -> Iterator[list[Server]]:
    """`count` servers of `kind` with the environment `env`, answering; all stopped on exit."""
    assert kind in ("gunicorn", "runserver"), kind
    defaults = {"DATABASE_URL": shared_database_url(), "PYTHONPATH": str(ROOT), "no_proxy": "127.0.0.1"}
    variables = environment({**defaults, **(env or {})}, settings="config.settings.test")
    servers: list[Server] = []
    try:
        # All start before any is waited for: their (CPU-bound) start-ups overlap.
        for _ in range(count):
            servers.append(_start(kind, workers, variables, log_dir))
        for server in servers:
            wait_until(server.answers, timeout=timeout, interval=0.2, message=server.log)
        yield servers
    finally:
        for server in servers:
            _stop_session(server.process)


def _start(kind: str, workers: int, variables: dict[str, str], log_dir: Path) -> Server:
    port = free_port()
    if kind == "runserver":
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"]
    else:
        command = [str(GUNICORN), "config.wsgi:application", "--workers", str(workers),
                   "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--timeout", "60"]
    log_path = log_dir / f"{kind}-{port}.log"
    with open(log_path, "ab") as log:
        # A session of its own, so that stopping it reaches runserver's serving child too.
        process = subprocess.Popen(command, cwd=ROOT, env=variables, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Server(process, port, log_path)


def _stop_session(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the server's session (it and its children), then SIGKILL if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    # A child (runserver's, a gunicorn worker) may outlive its parent briefly.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def embedded_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A server's environment with the embedded background work: this run's services but no broker."""
    run_services = {
        name: os.environ[name]
        for name in SERVICE_VARIABLES
        if name in os.environ and name not in ("DATABASE_URL", "CELERY_BROKER_URL")
    }
    return {**run_services, "DJANGO_SETTINGS_MODULE": "tests.helpers.embedded_settings", **(env or {})}


def shared_state_env(*, redis_url: str | None = None) -> dict[str, str]:
    """Settings that point another process at this run's database, stamps, cache and media.

    Base settings: the test settings would replace SHARED_STATE_DIR and MEDIA_ROOT with their own.
    With `redis_url`, the processes share stamps and cache through that Redis, under a key prefix
    of their own (no entry of another run or test can be read as theirs).
    """
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": shared_database_url(),
        "SHARED_STATE_DIR": str(settings.SHARED_STATE_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    redis_url = redis_url or settings.REDIS_URL
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["CACHE_KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    return env


def shell(code: str, env: Mapping[str, str]) -> str:
    """Run `code` in `manage.py shell -c` as another process with the environment `env`; its stdout."""
    result = manage("shell", "-c", code, env=dict(env))
    assert result.returncode == 0, result.stderr
    return result.stdout


def parent_pid(pid: int) -> int:
    """The parent of a running process, from /proc (Linux)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
