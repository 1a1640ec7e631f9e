"""Index updates through the outbox: a keyed job per changed object, re-reading its row when it runs.

Wagtail would update the index inline (a django-task on the ImmediateBackend) and only log
an unreachable Elasticsearch. Here a save, publish, unpublish, move or delete records an
outbox job in the same transaction (search/signal_handlers.py); the job re-reads the row,
adds the object to every configured backend if it is still one the index holds
(`get_indexed_objects`: for pages, live, unexpired and public), else removes it. A backend
error fails the job, and the outbox retries it with backoff (RETRY_DELAYS): publishing
never waits on the cluster. What the index was given is recorded per object
(IndexedObject) for the reconciler (search/reconcile.py).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search.backends import get_search_backends_with_name
from wagtail.search.index import RelatedFields, get_indexed_models

from cms.outbox import outbox_enqueue, outbox_handler
from search.models import IndexedObject

INDEX_JOB = "search.indexing.index_object_job"
SUBTREE_JOB = "search.indexing.index_subtree_job"
# Seconds before the 1st, 2nd, … retry of an index update that failed (a cluster down or
# restarting): quick at first, then up to a quarter of an hour; the reconciler repairs
# whatever is still missing after the last.
RETRY_DELAYS = (2, 5, 15, 30, 60, 120, 300, 600, 900)
CHUNK = 500
# Filter fields of Page that change without changing what search finds (a draft saved, a
# page locked for editing): not worth an index update each, nor counted as a change.
VOLATILE_FIELDS = frozenset({"latest_revision_created_at", "locked", "locked_at", "locked_by", "locked_by_id"})


def model_label(instance: models.Model) -> str:
    """The label of the model an object is indexed as: a page's specific type, else its own model."""
    if isinstance(instance, Page):
        specific = instance.specific_class
        return (specific or type(instance))._meta.label
    return instance._meta.label


def index_later(instance: models.Model) -> None:
    """Record a job that brings the index up to date with this object once the transaction commits."""
    label = model_label(instance)
    outbox_enqueue(INDEX_JOB, args=[label, str(instance.pk)], key=f"search:{label}:{instance.pk}")


def index_subtree_later(page_id: int) -> None:
    """Record a job that re-indexes a page and its descendants (a move, a view restriction, a new channel)."""
    outbox_enqueue(SUBTREE_JOB, args=[page_id], key=f"search-subtree:{page_id}")


@outbox_handler(retry_delays=RETRY_DELAYS, outside_transaction=True)
def index_object_job(label: str, object_id: str) -> None:
    """Add the object to every search backend if it is one the index holds, else remove it.

    Runs outside a transaction: it may wait on the cluster (up to ELASTICSEARCH_TIMEOUT),
    and on SQLite a transaction would hold the database's write lock meanwhile. Running
    twice does no harm.
    """
    try:
        model = apps.get_model(label)
    except LookupError:
        return  # the model is gone: its rows and index went with it
    sync_objects(model, [object_id])


@outbox_handler(retry_delays=RETRY_DELAYS, outside_transaction=True)
def index_subtree_job(page_id: int) -> None:
    """Re-index a page and every descendant, by page type and in chunks."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return  # deleted: each page's own delete job removes it
    rows = Page.objects.filter(path__startswith=page.path).values_list("pk", "content_type_id")
    by_type: dict[int, list[str]] = {}
    for pk, content_type_id in rows:
        by_type.setdefault(content_type_id, []).append(str(pk))
    from django.contrib.contenttypes.models import ContentType

    for content_type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        for start in range(0, len(ids), CHUNK):
            sync_objects(model, ids[start : start + CHUNK])


def sync_objects(model: type[models.Model], object_ids: Iterable[str], *, backends=None) -> tuple[int, int]:
    """Add the given objects the index should hold and remove the others, in every backend; (added, removed).

    `backends`: (name, backend) pairs; by default every configured backend. Raises what a
    backend raises, so that the outbox retries.
    """
    ids = [str(pk) for pk in object_ids]
    objects = list(model.get_indexed_objects().filter(pk__in=ids))
    present = {str(obj.pk) for obj in objects}
    gone = [pk for pk in ids if pk not in present]
    for _name, backend in backends if backends is not None else get_search_backends_with_name():
        if objects:
            backend.add_bulk(model, objects)
        for pk in gone:
            backend.delete(model(pk=pk))
    record_indexed(model, present, gone)
    return len(objects), len(gone)


def record_indexed(model: type[models.Model], present: Iterable[str], gone: Iterable[str] = ()) -> None:
    """Note what the index was given for these objects (their fingerprints) and forget the removed ones."""
    label = model._meta.label
    present, gone = list(present), list(gone)
    prints = fingerprints(model, present) if present else {}
    with transaction.atomic():
        if gone:
            IndexedObject.objects.filter(model=label, object_id__in=gone).delete()
        if prints:
            IndexedObject.objects.filter(model=label, object_id__in=list(prints)).delete()
            IndexedObject.objects.bulk_create(
                [IndexedObject(model=label, object_id=pk, fingerprint=value) for pk, value in prints.items()]
            )


@functools.cache
def fingerprint_fields(model: type[models.Model]) -> tuple[str, ...]:
    """Columns whose change changes the object's search document, cheap to read for every row.

    The columns of its search and filter fields (not StreamField bodies: a page's body only
    changes with a new live revision, which is in), and for pages the live revision and
    tree path (a publish, a move).
    """
    names = set()
    for search_field in model.get_search_fields():
        if isinstance(search_field, RelatedFields):
            continue
        try:
            field = model._meta.get_field(search_field.field_name)
        except FieldDoesNotExist:
            continue  # a method: derived from rows that have their own jobs
        if field.concrete and not field.many_to_many and not isinstance(field, (StreamField, models.JSONField)):
            names.add(field.attname)
    names -= VOLATILE_FIELDS
    if issubclass(model, Page):
        names |= {"live_revision_id", "path", "expire_at"}
    return tuple(sorted(names))


def fingerprints(model: type[models.Model], object_ids: Iterable[str] | None = None) -> dict[str, str]:
    """{object id: fingerprint} of the objects the index should hold (all, or those among `object_ids`)."""
    fields = fingerprint_fields(model)
    queryset = model.get_indexed_objects().order_by()
    if object_ids is not None:
        queryset = queryset.filter(pk__in=list(object_ids))
    return {
        str(row[0]): hashlib.sha1(repr(row[1:]).encode(), usedforsecurity=False).hexdigest()
        for row in queryset.values_list("pk", *fields).iterator(chunk_size=2000)
    }


def indexed_models() -> list[type[models.Model]]:
    """Every model a search backend indexes."""
    return get_indexed_models()
