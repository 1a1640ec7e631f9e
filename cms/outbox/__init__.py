"""Durable background work: enqueue in the transaction, relay to Celery, run once.

- `outbox_enqueue` writes a job row in the caller's transaction and, once that
  commits, tries to hand it to Celery (bounded by BROKER_TIMEOUT_SECONDS).
- `outbox_relay` hands over every job that is still waiting; beat runs it, so a
  broker outage delays work but loses none.
- `outbox_run` executes a job at most once in effect: it locks the row, skips it
  if already done, and marks it done in the same transaction as the handler.
"""

from .services import outbox_enqueue, outbox_relay, outbox_run

__all__ = ["outbox_enqueue", "outbox_relay", "outbox_run"]
