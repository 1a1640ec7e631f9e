"""The compiled ruleset, shared by every request of a process and rebuilt when rules change.

A version stamp in the cache says which ruleset is current; a marketer's change
bumps it after commit, so every process rebuilds on its next request (within a
second) without a restart. If the cache loses the stamp, the database's
(latest segment change, count) takes over.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, Max

from personalization.engine import Ruleset
from personalization.models import Segment, TraitDefinition
from personalization.specs import live_rules

logger = logging.getLogger(__name__)

STAMP_KEY = "ruleset-stamp"
# How long a process trusts its stamp before asking the cache again.
STAMP_CHECK_SECONDS = 0.5


@dataclass(frozen=True)
class CompiledRules:
    """The ruleset with what delivery needs beside it: segment ids → keys."""

    stamp: str
    ruleset: Ruleset
    key_by_id: dict[int, str]
    expires_at: datetime | None = None  # a segment in it expires then: it must not decide after


def _database_stamp() -> str:
    summary = Segment.objects.aggregate(changed=Max("updated_at"), count=Count("pk"))
    traits = TraitDefinition.objects.aggregate(count=Count("pk"))
    return f"db:{summary['changed']}:{summary['count']}:{traits['count']}"


def ruleset_stamp() -> str:
    stamp = cache.get(STAMP_KEY)
    if stamp is None:
        stamp = _database_stamp()
        cache.add(STAMP_KEY, stamp, timeout=None)
    return stamp


def ruleset_changed() -> None:
    """Call after a segment or trait change commits: every process rebuilds on its next request."""
    cache.set(STAMP_KEY, f"t:{time.time_ns()}", timeout=None)


def _compile(stamp: str) -> CompiledRules:
    # Validation on save keeps invalid rules out; should one slip in (a trait or a used
    # segment gone), only it and the segments using it are left out, never all of them.
    rules = live_rules()
    for left in rules.partial.left_out:
        logger.error(
            "segment %r is left out of decisions (%s): %s", left.key, left.reason.value, left.message
        )
    return CompiledRules(
        stamp=stamp, ruleset=rules.partial.ruleset, key_by_id=rules.key_by_id, expires_at=rules.expires_at
    )


class _Holder:
    def __init__(self) -> None:
        self.rules: CompiledRules | None = None
        self.checked_at = 0.0
        self.lock = threading.Lock()


_holder = _Holder()


def current_rules() -> CompiledRules:
    """The compiled ruleset of this process, rebuilt when the stamp has moved."""
    now = time.monotonic()
    rules = _holder.rules
    if rules is not None and now - _holder.checked_at < STAMP_CHECK_SECONDS:
        return rules
    stamp = ruleset_stamp()
    _holder.checked_at = now
    if rules is not None and rules.stamp == stamp:
        return rules
    with _holder.lock:
        if _holder.rules is None or _holder.rules.stamp != stamp:
            _holder.rules = _compile(stamp)
        return _holder.rules


def forget_compiled_rules() -> None:
    """Drop this process's ruleset (tests, and after a cache flush)."""
    _holder.rules = None
    _holder.checked_at = 0.0
