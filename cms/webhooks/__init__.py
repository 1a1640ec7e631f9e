"""Webhooks: tell frontends about content changes so they can revalidate their caches.

- `services.webhook_event_record` (called by `signal_handlers`) builds one event and
  records one outbox job per subscribed webhook, in the transaction of the change:
  a rolled-back publish sends nothing, a broker outage loses nothing.
- `delivery.webhook_deliver` is that job: one signed POST, one `WebhookDelivery` row
  per attempt, retried by the outbox on the schedule it declares (over two hours).
- `viewsets` puts webhooks and the delivery log in the Wagtail admin.

Imports: signal_handlers → services → (models, outbox); delivery → (models, outbox);
nothing here imports the admin.
"""
