"""An import of trait values from a file, as the admin's flow records it (upload → mapping → dry run → apply)."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models


def private_storage() -> FileSystemStorage:
    """MEDIA_ROOT/private: no URL (cms.media serves images only), read by the import job and admin views."""
    return FileSystemStorage(location=os.path.join(settings.MEDIA_ROOT, "private"), base_url=None)


class TraitImport(models.Model):
    """One uploaded file and what became of it; the file is deleted once applied."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        CHECKED = "checked", "Dry run done"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="trait-imports/", storage=private_storage, blank=True)
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=8, default="csv")
    columns = models.JSONField(default=list, blank=True)
    # Inferred per column: {column: {"type", "choices"}}, shown for confirmation.
    inferred = models.JSONField(default=dict, blank=True)
    id_column = models.CharField(max_length=255, blank=True)
    # {column: trait name}; traits to create first: {trait name: {"type", "choices"}}.
    mapping = models.JSONField(default=dict, blank=True)
    new_traits = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    dry_run = models.BooleanField(default=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    rejects = models.FileField(upload_to="trait-import-rejects/", storage=private_storage, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
