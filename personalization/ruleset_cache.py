"""The compiled ruleset, shared by every request of a process and rebuilt when rules change.

A stamp shared by every process (config/stamps.py: a file under SHARED_STATE_DIR,
or Redis) says which ruleset is current. A marketer's change, made in any process,
bumps it after commit; every process reads the stamp on each request (one small
file read or cache GET, no database query) and rebuilds on its next request
without a restart. A lost stamp restarts above every earlier value, so a lost
stamp makes every process recompile rather than keep what it had.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from config.stamps import Stamp
from personalization.engine import Ruleset
from personalization.experiments.running import RunningExperiments, running_experiments
from personalization.specs import live_rules

logger = logging.getLogger(__name__)

_stamp = Stamp("ruleset")


@dataclass(frozen=True)
class CompiledRules:
    """The ruleset with what delivery needs beside it: segment ids → keys, the running experiments."""

    stamp: int
    ruleset: Ruleset
    key_by_id: dict[int, str]
    expires_at: datetime | None = None  # a segment expires, or an experiment starts or ends, then
    experiments: RunningExperiments = RunningExperiments()


def ruleset_stamp() -> int:
    """The current ruleset stamp, as every process sees it."""
    return _stamp.read()


def ruleset_changed() -> None:
    """Call after a segment or trait change commits: every process rebuilds on its next request."""
    _stamp.bump()


def ruleset_stamp_reset() -> None:
    """Forget the stamp (tests): the next one differs from every earlier value."""
    _stamp.reset()


def _compile(stamp: int) -> CompiledRules:
    # Validation on save keeps invalid rules out; should one slip in (a trait or a used
    # segment gone), only it and the segments using it are left out, never all of them.
    rules = live_rules()
    for left in rules.partial.left_out:
        logger.error(
            "segment %r is left out of decisions (%s): %s", left.key, left.reason.value, left.message
        )
    # Experiments compile with the rules: their audiences are segment keys of this very ruleset.
    experiments = running_experiments(rules.key_by_id)
    moments = [moment for moment in (rules.expires_at, experiments.next_change) if moment is not None]
    return CompiledRules(
        stamp=stamp, ruleset=rules.partial.ruleset, key_by_id=rules.key_by_id, expires_at=min(moments, default=None),
        experiments=experiments,
    )


class _Holder:
    def __init__(self) -> None:
        self.rules: CompiledRules | None = None
        self.lock = threading.Lock()


_holder = _Holder()


def current_rules() -> CompiledRules:
    """The compiled ruleset of this process, rebuilt when the shared stamp has moved.

    The stamp is read on every call: a change made by another process is seen on the
    next request, with no time window to wait out (and none for tests to sleep through).
    """
    stamp = ruleset_stamp()
    rules = _holder.rules
    if _current(rules, stamp):
        return rules
    with _holder.lock:
        if not _current(_holder.rules, stamp):
            _holder.rules = _compile(stamp)
        return _holder.rules


def _current(rules: CompiledRules | None, stamp: int) -> bool:
    # Expiry unpublishes a segment only when the scheduler runs, and nothing announces the
    # moment: rules holding a segment past its expiry are stale (fail closed) and recompiled.
    return (
        rules is not None
        and rules.stamp == stamp
        and (rules.expires_at is None or rules.expires_at > timezone.now())
    )


def forget_compiled_rules() -> None:
    """Drop this process's ruleset (tests, and after a cache flush)."""
    _holder.rules = None
