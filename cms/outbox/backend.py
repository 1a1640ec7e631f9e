"""A django-tasks backend that routes Wagtail's own background work through the outbox.

Wagtail enqueues search-index, reference-index and focal-point updates through
django-tasks; with this backend they are durable like ours instead of running
inline in the request (ImmediateBackend) or being lost with a dead broker.
"""

import hashlib
import json

from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id, normalize_json

from .services import outbox_enqueue


class OutboxTaskBackend(BaseTaskBackend):
    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        args, kwargs = normalize_json(list(args)), normalize_json(dict(kwargs))
        outbox_enqueue(task.module_path, args=args, kwargs=kwargs, key=task_job_key(task, args, kwargs))
        return TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )


def task_job_key(task: Task, args: list, kwargs: dict) -> str:
    """One pending job per task and arguments; a digest, so long arguments never collide."""
    digest = hashlib.sha256(json.dumps([args, kwargs], sort_keys=True).encode()).hexdigest()
    return f"task:{task.module_path[:180]}:{digest}"
