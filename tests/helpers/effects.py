"""Outbox handlers for tests, with effects a test can count from any process.

Each effect is one line appended to a file with O_APPEND, so lines written by a
worker in another process are never interleaved or lost.
"""

import os
import time

from django_tasks import task


def append_line(path: str, line: str, *, fail_while_exists: str | None = None) -> None:
    """Append `line` to `path`; raise instead while the file `fail_while_exists` exists."""
    if fail_while_exists and os.path.exists(fail_while_exists):
        raise RuntimeError(f"failing on purpose while {fail_while_exists} exists")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


@task()
def append_line_task(path: str, line: str) -> None:
    """The same effect as a django-task, enqueued the way Wagtail enqueues its own."""
    append_line(path, line)


def lines(path) -> list[str]:
    return open(path).read().splitlines() if os.path.exists(path) else []


def enqueue_same_key(path: str, key: str) -> None:
    """Stands for a change committed while this job runs: it enqueues work under the same key."""
    from cms.outbox import outbox_enqueue

    job = outbox_enqueue("tests.helpers.effects.append_line", args=[path, "second"], key=key)
    append_line(path, "queued" if job else "dropped")


from cms.outbox import outbox_handler  # noqa: E402  (after the effects it builds on)


@outbox_handler(retry_delays=(1,), outside_transaction=True)
def append_line_with_pid(path: str, line: str) -> None:
    """Append "<line> <pid>" holding no transaction, as a webhook delivery runs: only a claim keeps
    two runners from both running it. Slow enough that two runners overlap."""
    time.sleep(0.05)
    append_line(path, f"{line} {os.getpid()}")
