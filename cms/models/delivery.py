"""Machine access to the delivery API: keys bound to a channel, and webhooks to frontends."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiScope(models.TextChoices):
    DELIVERY = "delivery", "Delivery (published content)"
    PREVIEW = "preview", "Preview (drafts, with a preview token)"
    EVENTS = "events", "Events (report impressions and conversions)"
    CRM = "crm", "CRM (push visitor traits)"
    FEEDBACK = "feedback", "Feedback (send what customers wrote)"


class ApiKey(models.Model):
    """A credential for one channel. Only a hash of the secret is stored; the prefix identifies it.

    A key is never mapped to a Wagtail user: it sees what its channel and scopes allow,
    never what some editor could see in the admin.
    """

    name = models.CharField(max_length=100)
    channel = models.ForeignKey("cms.Channel", on_delete=models.CASCADE, related_name="api_keys")
    scopes = models.JSONField(default=list, help_text="Any of: delivery, preview, events, crm.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["channel__name", "name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.channel})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class WebhookEvent(models.TextChoices):
    PUBLISHED = "page.published", "Page published"
    UNPUBLISHED = "page.unpublished", "Page unpublished"
    DELETED = "page.deleted", "Page deleted"
    MOVED = "page.moved", "Page moved"
    CONTENT_CHANGED = "content.changed", "Snippet or image changed"
    RULES_CHANGED = "rules.changed", "Segments or rules changed"
    SEGMENT_MEMBERSHIP = "segment.membership", "Customers entered or left segments (personal data: opt in)"


# Events carrying personal data: only webhooks that list them hear of them, never "all events" ones
# (a frontend's cache-revalidation hook must not start receiving customer ids).
OPT_IN_EVENTS = frozenset({WebhookEvent.SEGMENT_MEMBERSHIP.value})


class Webhook(models.Model):
    """A frontend endpoint told about changes so that it can revalidate its caches."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, help_text="Shared secret for the HMAC-SHA256 signature.")
    events = models.JSONField(default=list, blank=True, help_text="Event names; empty means all.")
    channel = models.ForeignKey(
        "cms.Channel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Only changes to content offered on this channel; empty means all channels.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.active and (event in self.events or (not self.events and event not in OPT_IN_EVENTS))


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one webhook: the admin shows these."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=64, db_index=True)
    event = models.CharField(max_length=50)
    attempt = models.PositiveIntegerField()
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-attempted_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook} #{self.attempt}"
