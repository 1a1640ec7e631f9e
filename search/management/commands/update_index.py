"""`update_index` (Wagtail's) with a progress bar per model and the record the reconciler compares with.

Wagtail's command prints a dot per chunk of 1,000 objects, with no total; here tqdm shows
how far each model is, and IndexedObject is rewritten for what the rebuilt index holds.
"""

import math
import sys

from wagtail.search.management.commands.update_index import Command as WagtailUpdateIndex
from tqdm import tqdm

from search.indexing import record_indexed
from search.models import IndexedObject


class _Chunks:
    """A queryset's chunks with their number known up front, so the progress bar has a total."""

    def __init__(self, command, queryset, chunk_size: int) -> None:
        self.command, self.queryset, self.chunk_size = command, queryset, chunk_size
        self.total = math.ceil(queryset.count() / chunk_size) if chunk_size else 0

    def __len__(self) -> int:
        return self.total

    def __iter__(self):
        model = self.queryset.model
        for chunk in WagtailUpdateIndex.queryset_chunks(self.command, self.queryset, self.chunk_size):
            yield chunk
            # Resumed once the backend has taken the chunk.
            record_indexed(model, [str(obj.pk) for obj in chunk])


class Command(WagtailUpdateIndex):
    def handle(self, **options):
        if not options.get("schema_only"):
            IndexedObject.objects.all().delete()  # rebuilt from scratch: what was given before no longer holds
        super().handle(**options)

    def queryset_chunks(self, qs, chunk_size=1000):
        return _Chunks(self, qs, chunk_size)

    def print_iter_progress(self, iterable):
        model = getattr(getattr(iterable, "queryset", None), "model", None)
        label = model._meta.label if model is not None else "objects"
        yield from tqdm(
            iterable, total=len(iterable), desc=label, unit="chunk", disable=self.verbosity == 0, file=sys.stderr,
            leave=True,
        )
