"""`manage.py import_feedback FILE`: survey answers, tickets, reviews from a CSV or JSON Lines file."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms.models import Channel
from personalization.insight.imports import feedback_import, feedback_rows, file_format

MAX_LISTED = 20


class Command(BaseCommand):
    help = (
        "Import feedback from a .csv (header row with the API's field names; segments split on '|') or "
        ".jsonl file, streamed in chunks of 500: each item is validated, scored and stored as the API does. "
        "Rejected lines are reported; --dry-run stores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--channel", help="Slug of the channel the feedback came through.")
        parser.add_argument("--consent", help="Consent the source recorded, e.g. 'behaviour,crm' (default: each profile's).")
        parser.add_argument("--dry-run", action="store_true", help="Validate and score, store nothing.")

    def handle(self, *args, file: str, channel: str | None, consent: str | None, dry_run: bool, **options):
        try:
            fmt = file_format(file)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        channel_id = None
        if channel:
            channel_id = Channel.objects.filter(slug=channel).values_list("pk", flat=True).first()
            if channel_id is None:
                raise CommandError(f"no channel {channel!r}")
        try:
            handle = open(file, encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        with handle, tqdm(desc="Importing feedback", unit=" items", file=self.stderr._out) as bar:
            report = feedback_import(feedback_rows(handle, fmt), channel_id=channel_id, consent=consent,
                                     dry_run=dry_run, progress=bar.update)
        verb = "Would store" if dry_run else "Stored"
        self.stdout.write(f"{verb} {report.stored} of {report.read} item(s); {report.duplicates} already stored; "
                          f"{len(report.rejected)} rejected.")
        # Line numbers: a CSV's header is line 1, so its first item is line 2.
        first_line = 2 if fmt == "csv" else 1
        for rejection in report.rejected[:MAX_LISTED]:
            self.stdout.write(f"  line {rejection.index + first_line}: {rejection.code}: {rejection.detail}")
        if len(report.rejected) > MAX_LISTED:
            self.stdout.write(f"  … and {len(report.rejected) - MAX_LISTED} more")
