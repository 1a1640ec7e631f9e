"""The admin's import as background work: an outbox job runs the dry run or the apply of an upload.

The job runs outside a transaction (`outside_transaction`): each batch commits on its
own and the progress it writes is seen by the admin's page while the job goes on. A
repeat of the job is harmless: an import applied twice changes nothing the second time.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from cms.outbox import outbox_enqueue, outbox_handler
from personalization.models import TraitImport
from personalization.traits.reader import FileProblem
from personalization.traitsync.imports import ImportProblem, import_stream

logger = logging.getLogger(__name__)
HANDLER = "personalization.traitsync.jobs.trait_import_run"
PROGRESS_EVERY_ROWS = 2000


def trait_import_enqueue(trait_import: TraitImport, *, dry_run: bool) -> None:
    """Queue the dry run or the apply of an upload (after the caller's commit)."""
    with transaction.atomic():
        TraitImport.objects.filter(pk=trait_import.pk).update(
            status=TraitImport.Status.QUEUED, dry_run=dry_run, rows_done=0, error="", finished_at=None
        )
        outbox_enqueue(HANDLER, kwargs={"import_id": trait_import.pk, "dry_run": dry_run})


@outbox_handler(retry_delays=(30, 120), outside_transaction=True)
def trait_import_run(*, import_id: int, dry_run: bool) -> None:
    """Run one upload's import (dry or for real), recording progress, the summary and the rejects file."""
    trait_import = TraitImport.objects.filter(pk=import_id).first()
    if trait_import is None or not trait_import.file:
        return  # deleted, or applied already (its file is gone)
    TraitImport.objects.filter(pk=import_id).update(status=TraitImport.Status.RUNNING, rows_done=0)

    def progress(done: int) -> None:
        TraitImport.objects.filter(pk=import_id).update(rows_done=done)

    with tempfile.NamedTemporaryFile("w+", suffix=".csv", encoding="utf-8", newline="", delete=False) as rejects:
        try:
            with trait_import.file.open("rb") as raw:
                stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                summary = import_stream(
                    stream, trait_import.format, id_column=trait_import.id_column, mapping=trait_import.mapping,
                    new_traits=trait_import.new_traits, dry_run=dry_run, rejects=rejects,
                    source=f"import:{trait_import.filename}", progress=progress,
                )
        except (ImportProblem, FileProblem, UnicodeDecodeError) as exc:
            TraitImport.objects.filter(pk=import_id).update(status=TraitImport.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
            os.unlink(rejects.name)
            return
    trait_import.refresh_from_db()
    if trait_import.rejects:
        trait_import.rejects.delete(save=False)
    with open(rejects.name, "rb") as handle:
        trait_import.rejects.save(f"rejects-{import_id}.csv", File(handle), save=False)
    os.unlink(rejects.name)
    trait_import.summary = summary.as_dict()
    trait_import.rows_done = trait_import.rows_total = summary.rows
    trait_import.finished_at = timezone.now()
    trait_import.status = TraitImport.Status.CHECKED if dry_run else TraitImport.Status.APPLIED
    if not dry_run:
        trait_import.file.delete(save=False)  # the upload is personal data: kept no longer than needed
    trait_import.save()
