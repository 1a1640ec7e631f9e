"""Announcing a committed change through a shared stamp, so that a cache outage never loses it.

An announcement is a function (named by its dotted path, so that the outbox can run it)
that moves a stamp on in the shared cache or state directory: the content generation, the
ruleset stamp. `announce_after_commit` calls it once the change commits; if the cache is
unreachable it leaves one keyed outbox job (one for every change made meanwhile) that
retries it. `announce_when_cache_recovers` calls it again when the cache comes back, for
whatever was dropped before the outage was noticed.
"""

import logging

from django.db import transaction
from django.utils.module_loading import import_string

from config.cache import cache_recovered

from .services import outbox_enqueue

logger = logging.getLogger(__name__)


def announce_after_commit(announcement: str) -> None:
    """Call `announcement` after the current transaction commits; the outbox retries it if it fails."""
    transaction.on_commit(lambda: _announce_or_retry(announcement))


def _announce_or_retry(announcement: str) -> None:
    try:
        import_string(announcement)()
    except Exception:  # a cache outage must not fail the change that already committed
        logger.exception("could not announce a change (%s); the outbox retries it", announcement)
        outbox_enqueue(announcement, key=announcement)


def announce_when_cache_recovers(announcement: str) -> None:
    """Call `announcement` whenever the cache comes back from an outage (config.cache.cache_recovered)."""

    def announce(sender=None, **kwargs) -> None:
        import_string(announcement)()

    cache_recovered.connect(announce, weak=False, dispatch_uid=f"announce-on-recovery.{announcement}")
