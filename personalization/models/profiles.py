"""What the hub knows about a visitor: kept only with consent, keyed by an anonymous id.

A customer known to the CRM may have several visitor ids (web login, app install, kiosk
card): one profile holds the merged data and carries the CRM's `customer_id`; every other
id of that customer keeps a row of its own that only points at it (`merged_into`), so the
decision for any id is still one indexed lookup (the row and, joined, its profile).
"""

from django.db import models


class VisitorProfile(models.Model):
    """The stored half of a visitor context. Request attributes are never stored here."""

    visitor_id = models.CharField(max_length=128, unique=True)
    customer_id = models.CharField(
        max_length=128, unique=True, null=True, blank=True, help_text="The CRM's id for this customer, once identified."
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="merged_ids",
        help_text="Set on another visitor id of a customer: the profile holding the merged data.",
    )
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
        indexes = [
            models.Index(fields=["last_seen"], name="profile_last_seen_idx"),
            models.Index(fields=["updated_at"], name="profile_updated_at_idx"),
        ]

    def __str__(self) -> str:
        return self.visitor_id


class ProfileMerge(models.Model):
    """Provenance of a merge: which visitor id joined which customer's profile, when and why."""

    profile = models.ForeignKey(VisitorProfile, on_delete=models.CASCADE, related_name="merges")
    visitor_id = models.CharField(max_length=128)
    customer_id = models.CharField(max_length=128)
    reason = models.CharField(max_length=200, help_text="What asked for it, e.g. `api identify (key tlr_ab12)`.")
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["merged_at", "pk"]


class Suppression(models.Model):
    """An erased id (hashed): nothing recreates a profile for it until consent is given again."""

    id_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class ErasureLog(models.Model):
    """That an erasure happened: a salted hash of the id asked for, the time and the counts, no id."""

    id_hash = models.CharField(max_length=64, db_index=True)
    erased_at = models.DateTimeField(auto_now_add=True)
    removed = models.JSONField(default=dict, help_text="Rows removed per kind.")

    class Meta:
        ordering = ["-erased_at"]


class SegmentMembership(models.Model):
    """A profile's stay in a segment: entered, and left (null while still a member)."""

    profile = models.ForeignKey(VisitorProfile, on_delete=models.CASCADE, related_name="memberships")
    segment = models.CharField(max_length=64)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-entered_at", "pk"]
        indexes = [models.Index(fields=["segment", "profile"], name="membership_segment_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "profile"], condition=models.Q(left_at__isnull=True), name="membership_one_current"
            )
        ]
