"""Delivering one webhook event: a signed POST, logged per attempt, retried by the outbox.

Retries: `webhook_deliver` is an outbox handler with its own schedule (WEBHOOK_RETRY_DELAYS,
declared with `outbox_handler`), which `cms.tasks.run_outbox_job` follows: 30 s, then
doubling to 32 min, ten attempts over about two hours. No delay exceeds Redis' default
visibility timeout (1 h), past which a delayed message would be delivered twice.
A failed attempt raises `OutboxRetry`, so its WebhookDelivery row commits while the
job stays pending. Without a broker the embedded runner (cms.outbox.runner) follows
the same schedule in a thread of the serving process.

Receivers verify `Tailor-Signature` (see `webhook_signature`), reject stale
`Tailor-Timestamp`s, and drop repeated `Tailor-Event-Id`s: an event keeps its id
across retries, and a receiver may see it more than once.
"""

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from cms.models import Webhook, WebhookDelivery
from cms.outbox import OutboxRetry, outbox_handler

TIMEOUT_SECONDS = 5
WEBHOOK_RETRY_DELAYS = (30, 60, 120, 240, 480, 960, 1920, 1920, 1920)
USER_AGENT = "Tailor-Webhooks/1"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirected POST would turn into a GET without the body: report the 3xx instead.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


# Outside a transaction: no lock held while waiting on a receiver (receivers dedupe by event id).
@outbox_handler(retry_delays=WEBHOOK_RETRY_DELAYS, outside_transaction=True)
def webhook_deliver(webhook_id: int, event_id: str, payload: dict) -> None:
    """POST `payload` to the webhook once and log the attempt; raise OutboxRetry unless it answered 2xx.

    A webhook deleted or deactivated since the event was recorded is skipped.
    """
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    if webhook is None:
        return
    attempt = WebhookDelivery.objects.filter(webhook=webhook, event_id=event_id).count() + 1
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    headers = webhook_headers(webhook.secret, event=payload["event"], event_id=event_id, body=body)
    status_code, error = _post(webhook.url, body, headers)
    succeeded = status_code is not None and 200 <= status_code < 300
    WebhookDelivery.objects.create(
        webhook=webhook, event_id=event_id, event=payload["event"], attempt=attempt,
        status_code=status_code, error=error, succeeded=succeeded,
    )
    if not succeeded:
        raise OutboxRetry(f"webhook {webhook_id} event {event_id} attempt {attempt}: {error}")


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256, keyed by the secret, of "<timestamp>.<body>"."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_headers(secret: str, *, event: str, event_id: str, body: bytes, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Tailor-Event": event,
        "Tailor-Event-Id": event_id,
        "Tailor-Timestamp": str(timestamp),
        "Tailor-Signature": webhook_signature(secret, timestamp, body),
    }


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """(status code, error text); the status is None when no HTTP answer came."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None, f"refused: {url!r} is not an http(s) URL"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, f"HTTP {exc.code}: {exc.read(500).decode(errors='replace')}".strip()
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        return None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
