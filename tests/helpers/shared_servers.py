"""Real serving processes on the test database, for tests of what several processes share.

`shared_state_env()` is the environment another process needs to share this test run's
database, stamps and cache (the test must commit its data: `django_db(transaction=True)`);
`shared_state_env(redis_url=…)` has those processes share their stamps and cache through
that Redis instead (under a key prefix of their own). `serving(n, log_dir, env)` starts n
gunicorn processes (one sync worker each) with the base settings and that environment;
`Server.get(path, key)` asks one of them. `shell(code, env)` runs `manage.py shell -c code`
as a third process.
"""

import contextlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from tests.helpers.celery import _stop, free_port, shared_database_url, wait_until
from tests.helpers.processes import ROOT, SERVICE_VARIABLES, manage

GUNICORN = Path(sys.executable).with_name("gunicorn")


def shared_state_env(*, redis_url: str | None = None) -> dict[str, str]:
    """Settings that point another process at this run's database, stamps, cache and media.

    With `redis_url`, the processes share stamps and cache through that Redis, under a
    key prefix of their own (no entry of another run or test can be read as theirs).
    """
    env = {
        "DATABASE_URL": shared_database_url(),
        "SHARED_STATE_DIR": str(settings.SHARED_STATE_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    redis_url = redis_url or settings.REDIS_URL
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["CACHE_KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    return env


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log_path: Path):
        self.process, self.port, self.log_path = process, port, log_path

    def log(self) -> str:
        return f"Server log ({self.port}):\n" + self.log_path.read_text(errors="replace")[-4000:]

    def get(self, path: str, key: str | None = None) -> tuple[int, dict]:
        """(status, JSON body or {}) of GET path."""
        return self.request(path, key=key)

    def post(self, path: str, body: dict, key: str) -> tuple[int, dict]:
        return self.request(path, key=key, data=json.dumps(body).encode())

    def request(self, path: str, *, key: str | None, data: bytes | None = None) -> tuple[int, dict]:
        headers = {"Host": "localhost", "Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            body = error.read()
            return error.code, json.loads(body) if body.startswith(b"{") else {}

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"server exited with {self.process.returncode}. {self.log()}")
        try:
            return self.get("/healthz")[0] == 200
        except OSError:
            return False


def _environment(extra: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES and k != "DJANGO_SETTINGS_MODULE"}
    return {**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base", "PYTHONPATH": str(ROOT), **extra}


@contextlib.contextmanager
def serving(count: int, log_dir: Path, shared: dict[str, str], *, timeout: float = 60) -> Iterator[list[Server]]:
    """`count` gunicorn processes (one sync worker each) sharing the state `shared` names; stopped on exit."""
    servers = []
    env = _environment(shared)
    try:
        for _ in range(count):
            port = free_port()
            log_path = log_dir / f"gunicorn-{port}.log"
            command = [str(GUNICORN), "config.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                       "--timeout", "60", "--log-level", "warning"]
            with open(log_path, "ab") as log:
                process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            servers.append(Server(process, port, log_path))
        for server in servers:
            wait_until(server.answers, timeout=timeout, interval=0.2, message=server.log)
        yield servers
    finally:
        for server in servers:
            _stop(server.process, timeout=10)


def shell(code: str, shared: dict[str, str]) -> str:
    """Run `code` in `manage.py shell -c` as another process on the state `shared` names; its stdout."""
    result = manage("shell", "-c", code, env=shared)
    assert result.returncode == 0, result.stderr
    return result.stdout
