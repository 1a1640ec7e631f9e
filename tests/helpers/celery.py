"""A real broker and a real Celery worker for tests that eager mode cannot prove.

- `celery_broker(url, queue)` points this process's Celery app at a broker, not eager.
- `celery_worker(url, queue, log_path)` starts `celery worker` in a subprocess on the
  same test database (it must be committed data: `django_db(transaction=True,
  serialized_rollback=True)`), waits until it answers a ping, and stops it.
- `RedisServer` is a private Redis on a free port that a test can stop and start by PID.

Each run uses a queue of its own (`unique_queue()`), so runs sharing a Redis do not
consume each other's messages.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from django.db import connection
from django.test import override_settings

from cms.outbox import services as outbox_services
from config.celery import app
from tests.helpers.processes import ROOT

CELERY = Path(sys.executable).with_name("celery")


def wait_until(
    predicate: Callable[[], object], *, timeout: float, interval: float = 0.05, message: Callable[[], str] = str
) -> None:
    """Poll `predicate` until it is true; fail after `timeout` seconds, saying `message()`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{predicate} not true within {timeout}s. {message()}")
        time.sleep(interval)


def unique_queue() -> str:
    return f"tailor-test-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_database_url() -> str:
    """The test database of this process, as a DATABASE_URL for another process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        assert "memory" not in str(db["NAME"]), "a worker cannot share an in-memory SQLite database"
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _close_broker_connections() -> None:
    """Close and forget pooled broker connections, so the next call connects to the new URL."""
    kombu.pools.reset()  # closes every pool and empties kombu's registry of them
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_broker(url: str, queue: str) -> Iterator[None]:
    """Send this process's tasks to `url` on `queue` instead of running them eagerly."""
    # Celery reads the CELERY_BROKER_URL environment variable before broker_url; the
    # read/write URLs come first, so setting them wins whatever CI exports.
    names = ("broker_url", "broker_read_url", "broker_write_url", "task_always_eager", "task_default_queue")
    saved = {name: app.conf.get(name) for name in names}
    _close_broker_connections()
    app.conf.update(broker_url=url, broker_read_url=url, broker_write_url=url)
    app.conf.update(task_always_eager=False, task_default_queue=queue)
    outbox_services._broker_down_until = 0.0
    try:
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False, OUTBOX_RUNNER="celery"):
            yield
    finally:
        _close_broker_connections()
        app.conf.update(saved)
        outbox_services._broker_down_until = 0.0


class Worker:
    def __init__(self, process: subprocess.Popen, node: str, log_path: Path):
        self.process, self.node, self.log_path = process, node, log_path

    def log(self) -> str:
        """The end of the worker's log, for failure messages."""
        return "Worker log:\n" + self.log_path.read_text(errors="replace")[-4000:]

    def answers_ping(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited with {self.process.returncode}. {self.log()}")
        return bool(app.control.ping(destination=[self.node], timeout=0.5))


@contextlib.contextmanager
def celery_worker(url: str, queue: str, log_path: Path, *, timeout: float = 30) -> Iterator[Worker]:
    """A real `celery worker` on `queue`, sharing this test's database; stopped on exit."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_EAGER": "0",
        "CELERY_BROKER_URL": url,
        "CELERY_QUEUE": queue,
        "DATABASE_URL": shared_database_url(),
        "PYTHONPATH": str(ROOT),  # handlers under tests/ import in the worker too
    }
    node = f"{queue}@tailor-test"
    command = [str(CELERY), "-A", "config", "worker", "--pool=solo", "--concurrency", "1", "-Q", queue,
               "-n", node, "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = Worker(process, node, log_path)
    try:
        wait_until(worker.answers_ping, timeout=timeout, interval=0.2)
        yield worker
    finally:
        _stop(process, timeout=15)


def _stop(process: subprocess.Popen, *, timeout: float) -> None:
    """SIGTERM (Celery's warm shutdown, Redis's clean exit), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


class RedisServer:
    """A private redis-server on a free port, with no persistence: stop() loses its queues."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, timeout=10)

    def stop(self) -> None:
        """Terminate the server by its PID; clients then get 'connection refused'."""
        if self.process is not None:
            _stop(self.process, timeout=10)
        assert not self.answers()

    def answers(self) -> bool:
        try:
            # No retries: redis-py would otherwise back off for seconds before saying no.
            with redis.Redis(port=self.port, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)) as client:
                return client.ping()
        except redis.ConnectionError:
            return False

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
