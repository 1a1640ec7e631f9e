"""Durable background work: enqueue in the transaction, relay to Celery, run once.

- `outbox_enqueue` writes a job row in the caller's transaction and, once that
  commits, tries to hand it to Celery (bounded by BROKER_TIMEOUT_SECONDS).
- `outbox_relay` hands over every job that is still waiting; beat runs it, so a
  broker outage delays work but loses none.
- Without a broker (OUTBOX_RUNNER=thread) nothing is handed over: `runner` claims due
  jobs in a thread of each serving process, woken at commit, on the same retry schedule.
- `outbox_run` executes a job at most once in effect: it locks the row, skips it
  if already done, and marks it done in the same transaction as the handler.
- A failed job is retried on its handler's schedule (`outbox_handler(retry_delays=…)`,
  read by `outbox_retry_delay`); a handler raising `OutboxRetry` keeps the writes
  that record its failed attempt.
"""

from .services import (
    OutboxRetry,
    outbox_after_success,
    outbox_enqueue,
    outbox_handler,
    outbox_relay,
    outbox_retry_delay,
    outbox_run,
)

__all__ = ["OutboxRetry", "outbox_after_success", "outbox_enqueue", "outbox_handler", "outbox_relay", "outbox_retry_delay", "outbox_run"]
