"""`manage.py aggregate_events`: roll up new events now, or rebuild days after a backfill."""

from argparse import ArgumentTypeError
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from personalization.events.aggregation import aggregate_pending, aggregate_rebuild


class Command(BaseCommand):
    help = (
        "Roll up the events received since the last run (what the periodic task does). "
        "--rebuild --since DATE [--until DATE] rebuilds every day in that range that has raw events."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Rebuild days by date instead of new events.")
        parser.add_argument("--since", type=_date, help="First UTC day to rebuild (YYYY-MM-DD); needs --rebuild.")
        parser.add_argument("--until", type=_date, help="Last UTC day to rebuild (YYYY-MM-DD); default today.")

    def handle(self, *args, rebuild: bool, since: date | None, until: date | None, **options):
        if rebuild != bool(since) or (until and not rebuild):
            raise CommandError("--rebuild needs --since, and --since/--until need --rebuild.")
        if until and until < since:
            raise CommandError("--until is before --since.")
        if rebuild:
            result = aggregate_rebuild(since=since, until=until, progress=self._progress)
        else:
            result = aggregate_pending(progress=self._progress)
        self.stdout.write(f"Rebuilt {result['days']} day(s): {result['rows']} rollup rows.")
        if "received_until" in result:
            self.stdout.write(f"Events received before {result['received_until']} are rolled up.")

    def _progress(self, items, label):
        return tqdm(list(items), desc=f"Rolling up {label}", unit="", file=self.stderr._out, leave=True)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
