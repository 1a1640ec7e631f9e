"""What the hub knows about a visitor: kept only with consent, keyed by an anonymous id."""

from django.db import models


class VisitorProfile(models.Model):
    """The stored half of a visitor context. Request attributes are never stored here."""

    visitor_id = models.CharField(max_length=128, unique=True)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    visit_count = models.PositiveIntegerField(default=0)
    pages_visited = models.JSONField(default=list, blank=True)
    content_types_visited = models.JSONField(default=list, blank=True)
    # Recent events, newest last, bounded: [{"name", "at", "target"}].
    events = models.JSONField(default=list, blank=True)
    traits = models.JSONField(default=dict, blank=True)
    # Provenance of each trait value: {name: {"at": ISO time set or last changed, "source":
    # "import:<file>" | "api" | "computed" | …}}; retention counts from "at".
    trait_sources = models.JSONField(default=dict, blank=True)
    consent = models.JSONField(default=list, blank=True, help_text="Data categories consented: behaviour, crm.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["last_seen"], name="profile_last_seen_idx")]

    def __str__(self) -> str:
        return self.visitor_id
