"""Recording webhook events: one payload per change, one outbox job per subscribed webhook."""

import uuid
from collections.abc import Iterable

from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from cms.models import PageChannelOverride, Webhook, WebhookEvent
from cms.outbox import outbox_enqueue

DELIVER_HANDLER = "cms.webhooks.delivery.webhook_deliver"


def webhook_event_record(
    event: str,
    *,
    page: Page | None = None,
    obj: Model | None = None,
    channel_ids: Iterable[int] | None = None,
    extra: dict | None = None,
    data: dict | None = None,
) -> str | None:
    """Record `event` for every active webhook that wants it; return the event id, or None if nobody does.

    A webhook bound to a channel only hears of pages offered on that channel (no
    `offered=False` override) and, when `channel_ids` is given, of changes to those
    channels. Call it inside the transaction that made the change. `data` is the body of
    an event about no page or object (e.g. a batch of segment membership changes).
    """
    event = WebhookEvent(event).value
    channel_ids = None if channel_ids is None else frozenset(channel_ids)
    hidden_on = _channels_hiding(page) if page is not None else frozenset()
    listeners = [
        webhook
        for webhook in Webhook.objects.filter(active=True)
        if webhook.wants(event) and _channel_matches(webhook.channel_id, hidden_on, channel_ids)
    ]
    if not listeners:
        return None
    event_id = uuid.uuid4().hex
    payload = webhook_payload(event, event_id, page=page, obj=obj, extra=extra)
    if data is not None:
        payload["data"] = data
    for webhook in listeners:
        outbox_enqueue(
            DELIVER_HANDLER,
            kwargs={"webhook_id": webhook.pk, "event_id": event_id, "payload": payload},
            key=f"webhook:{webhook.pk}:{event_id}",
        )
    return event_id


def webhook_payload(
    event: str, event_id: str, *, page: Page | None = None, obj: Model | None = None, extra: dict | None = None
) -> dict:
    """The JSON body of an event: what happened, when, and to which page or object.

    `extra` adds fields to the page (or object) entry, e.g. the url_path before a move.
    """
    payload = {"id": event_id, "event": event, "occurred_at": timezone.now().isoformat()}
    if page is not None:
        payload["page"] = {**_page_fields(page), **(extra or {})}
    elif obj is not None:
        payload["object"] = {"type": _type_name(type(obj)), "id": obj.pk, **(extra or {})}
    return payload


def _page_fields(page: Page) -> dict:
    return {
        "id": page.pk,
        "type": _type_name(page.specific_class or type(page)),
        "url_path": page.url_path,
        "api_path": reverse("tailorapi:pages:detail", args=[page.pk]),
        # The revision just published; None once unpublished.
        "revision_id": page.live_revision_id,
    }


def _type_name(model: type[Model]) -> str:
    # The same "app_label.ModelName" as the `type` field of the delivery API.
    return f"{model._meta.app_label}.{model.__name__}"


def _channels_hiding(page: Page) -> frozenset[int]:
    return frozenset(
        PageChannelOverride.objects.filter(page_id=page.pk, offered=False).values_list("channel_id", flat=True)
    )


def _channel_matches(channel_id: int | None, hidden_on: frozenset[int], channel_ids: frozenset[int] | None) -> bool:
    if channel_id is None:
        return True
    if channel_id in hidden_on:
        return False
    return channel_ids is None or channel_id in channel_ids
