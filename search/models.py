"""What Tailor last wrote to the search index, per object: the reconciler's record of "changed"."""

from django.db import models


class IndexedObject(models.Model):
    """An object the search backend was last given, with a fingerprint of the state it was given.

    Written in the same step as the backend write (search/indexing.py). The reconciler finds
    changes the index missed by comparing fingerprints, and missing or stale entries by
    asking the backend itself what it holds; this table never stands in for the backend.
    """

    model = models.CharField(max_length=100, help_text="The indexed model's label, e.g. cms.ArticlePage.")
    object_id = models.CharField(max_length=50)
    fingerprint = models.CharField(max_length=40)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "object_id"], name="unique_indexed_object")]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id}"
