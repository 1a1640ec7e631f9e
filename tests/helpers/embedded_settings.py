"""Settings of a server that a test starts with the embedded background work (cms.embedded).

The test settings, with the thread runner instead of inline jobs and short intervals
read from the environment; TICK_FILE adds a beat entry that appends one line per run,
so a test can count which process ran which tick.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_BEAT_SCHEDULE, env

OUTBOX_RUNNER = "thread"
OUTBOX_POLL_SECONDS = env.float("OUTBOX_POLL_SECONDS", default=0.2)
EMBEDDED_SCHEDULER_TICK_SECONDS = env.float("EMBEDDED_SCHEDULER_TICK_SECONDS", default=0.1)
CELERY_IMPORTS = ["tests.helpers.periodic"]
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "publish-scheduled": {"task": "cms.publish_scheduled", "schedule": env.float("PUBLISH_EVERY", default=1.0)},
}
if env("TICK_FILE", default=""):
    CELERY_BEAT_SCHEDULE["test-tick"] = {
        "task": "tests.append_tick",
        "schedule": env.float("TICK_EVERY", default=1.0),
        "args": [env("TICK_FILE")],
    }
