"""A Celery task for the embedded scheduler's tests (loaded through CELERY_IMPORTS)."""

import os
import time

from celery import shared_task

from tests.helpers.effects import append_line


@shared_task(name="tests.append_tick")
def append_tick(path: str) -> None:
    """Append "<pid> <wall-clock time>": which process ran this tick, and when."""
    append_line(path, f"{os.getpid()} {time.time():.3f}")
