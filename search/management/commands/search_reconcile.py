"""`python manage.py search_reconcile`: repair the search index, printing what it found."""

from django.core.management.base import BaseCommand, CommandError

from search.reconcile import reconcile


class Command(BaseCommand):
    help = "Compare what is live with what the search index holds; add missing, update changed, remove stale."

    def add_arguments(self, parser):
        parser.add_argument("--backend", default="default", help="The WAGTAILSEARCH_BACKENDS entry (default: default).")
        parser.add_argument("--dry-run", action="store_true", help="Count what needs repair, change nothing.")

    def handle(self, *args, backend: str, dry_run: bool, verbosity: int, **options):
        try:
            report = reconcile(backend_name=backend, dry_run=dry_run, progress=verbosity > 0)
        except Exception as exc:  # an unreachable cluster: say so, exit non-zero
            raise CommandError(f"search backend {backend!r} could not be reconciled: {type(exc).__name__}: {exc}") from exc
        if report.skipped:
            self.stdout.write(f"{report.backend}: nothing to reconcile ({report.skipped})")
            return
        verb = "would be" if dry_run else ""
        for label, counts in report.models.items():
            if counts.repairs or verbosity > 1:
                self.stdout.write(
                    f"{label:<32} {counts.expected:>8} indexed  {counts.added:>6} added  "
                    f"{counts.updated:>6} updated  {counts.removed:>6} removed"
                )
        if not report.repairs:
            self.stdout.write(self.style.SUCCESS(f"{report.backend}: nothing to do, the index matches what is live"))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{report.backend}: {report.added} added, {report.updated} updated, {report.removed} removed"
                    + (f" ({verb} repaired: dry run)" if dry_run else "")
                )
            )
