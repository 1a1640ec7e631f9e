"""The reconciler: compare what the index should hold with what the backend holds, and repair.

Index updates are retried by the outbox, but a job can exhaust its retries (a cluster down
for hours), and a row can change without a signal (a queryset update, a migration). For
each indexed model the reconciler reads:

- expected: the objects the index should hold (`get_indexed_objects`: for pages, live,
  unexpired and public) with a fingerprint of their indexed columns (search/indexing.py);
- held: what the backend itself holds: the database backend's IndexEntry rows, or the ids
  of an Elasticsearch index, scrolled;
- given: the fingerprints the index was last given (IndexedObject).

Missing (expected, not held) and changed (held, but given another fingerprint) objects are
added again; stale ones (held, not expected: unpublished, deleted, made private) removed.
Run by `python manage.py search_reconcile` and periodically (beat or the embedded
scheduler, SEARCH_RECONCILE_SECONDS); a second run finds nothing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models
from tqdm import tqdm
from wagtail.search.backends import get_search_backend

from search.indexing import CHUNK, fingerprints, indexed_models, record_indexed, sync_objects
from search.models import IndexedObject

logger = logging.getLogger(__name__)


@dataclass
class ModelCounts:
    """What one model needed: objects added (missing), updated (changed) and removed (stale)."""

    expected: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def repairs(self) -> int:
        return self.added + self.updated + self.removed


@dataclass
class ReconcileReport:
    """Counts per model label, and in total."""

    backend: str
    models: dict[str, ModelCounts] = field(default_factory=dict)
    skipped: str = ""  # why nothing was compared (a backend that keeps no index)

    @property
    def added(self) -> int:
        return sum(counts.added for counts in self.models.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.models.values())

    @property
    def removed(self) -> int:
        return sum(counts.removed for counts in self.models.values())

    @property
    def repairs(self) -> int:
        return self.added + self.updated + self.removed

    def as_dict(self) -> dict:
        return {
            "backend": self.backend, "added": self.added, "updated": self.updated, "removed": self.removed,
            "skipped": self.skipped,
        }


def database_held(backend) -> Callable[[type[models.Model]], set[str]]:
    """Ids the database backend holds per model: its IndexEntry rows of the model's own content type."""
    from wagtail.search.models import IndexEntry

    def held(model: type[models.Model]) -> set[str]:
        content_type = ContentType.objects.get_for_model(model)
        return set(IndexEntry.objects.filter(content_type=content_type).values_list("object_id", flat=True))

    return held


def elasticsearch_held(backend) -> Callable[[type[models.Model]], set[str]]:
    """Ids an Elasticsearch backend holds per model, read by scrolling each index once (ids and types only)."""
    from elasticsearch import NotFoundError, helpers

    by_index: dict[str, dict[str, set[str]]] = {}

    def held(model: type[models.Model]) -> set[str]:
        name = backend.get_index_for_model(model).name
        if name not in by_index:
            documents: dict[str, set[str]] = {}
            try:
                for hit in helpers.scan(
                    backend.es, index=name, query={"query": {"match_all": {}}, "_source": ["_django_content_type"]},
                    size=5000, scroll="2m",
                ):
                    # A document's first content type is its own model ("cms.ArticlePage").
                    label = hit["_source"]["_django_content_type"][0]
                    documents.setdefault(label, set()).add(hit["_id"])
            except NotFoundError:
                pass  # no index yet: it holds nothing
            by_index[name] = documents
        return by_index[name].get(model._meta.label, set())

    return held


def held_reader(backend) -> Callable[[type[models.Model]], set[str]] | None:
    """How to read what this backend holds; None for a backend that keeps no index (the fallback)."""
    if hasattr(backend, "es"):
        return elasticsearch_held(backend)
    from modelsearch.backends.database.fallback import DatabaseSearchBackend

    if type(backend) is DatabaseSearchBackend:
        return None  # it searches the tables themselves
    return database_held(backend)


def reconcile(*, backend_name: str = "default", dry_run: bool = False, progress: bool = False) -> ReconcileReport:
    """Compare and repair every indexed model in one backend; the counts of what was (or would be) repaired.

    Raises what the backend raises when it is unreachable: nothing is repaired then.
    """
    backend = get_search_backend(backend_name)
    report = ReconcileReport(backend=f"{backend_name} ({type(backend).__name__})")
    held_of = held_reader(backend)
    if held_of is None:
        report.skipped = "the backend searches the tables themselves and keeps no index"
        return report
    targets = [(backend_name, backend)]
    for model in tqdm(indexed_models(), desc="search reconcile", unit="model", disable=not progress):
        label = model._meta.label
        expected = fingerprints(model)
        held = held_of(model)
        given = dict(IndexedObject.objects.filter(model=label).values_list("object_id", "fingerprint"))
        missing = sorted(expected.keys() - held)
        stale = sorted(held - expected.keys())
        changed = sorted(pk for pk in expected.keys() & held if given.get(pk) != expected[pk])
        report.models[label] = ModelCounts(len(expected), len(missing), len(changed), len(stale))
        if dry_run:
            continue
        repair = missing + changed + stale
        for start in tqdm(
            range(0, len(repair), CHUNK), desc=label, unit="chunk", leave=False, disable=not progress or not repair
        ):
            sync_objects(model, repair[start : start + CHUNK], backends=targets)
        # Forget what the index was given for objects it no longer should hold.
        forgotten = given.keys() - expected.keys()
        if forgotten:
            record_indexed(model, (), forgotten)
    if not dry_run and report.repairs:
        logger.warning(
            "search reconcile repaired %s: %s added, %s updated, %s removed",
            report.backend, report.added, report.updated, report.removed,
        )
    return report
