"""`manage.py import_traits FILE --id-column COLUMN`: import CRM trait values from a CSV or JSON Lines file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from personalization.traits import sniff_format
from personalization.traits.reader import FileProblem
from personalization.traitsync.imports import BATCH_SIZE, ImportProblem, import_stream


class Command(BaseCommand):
    help = (
        "Import trait values from a CSV or JSON Lines file, streamed and written in batches. "
        "Columns named like a trait (or --map COLUMN=TRAIT) are imported; --create-traits makes "
        "traits of the others, typed from the first rows. Rejected rows go to a rejects CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--id-column", required=True, help="The column holding the visitor id.")
        parser.add_argument("--create-traits", action="store_true", help="Create traits for unmapped columns.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=TRAIT", help="Import COLUMN as TRAIT.")
        parser.add_argument("--rejects", type=Path, help="Where to write rejected rows (default FILE.rejects.csv).")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, file: Path, id_column: str, create_traits: bool, dry_run: bool, map: list[str], rejects: Path | None, batch_size: int, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        mapping = {}
        for item in map:
            column, sep, trait = item.partition("=")
            if not sep or not column or not trait:
                raise CommandError(f"--map {item!r}: write COLUMN=TRAIT")
            mapping[column] = trait
        rejects = rejects or file.with_name(file.name + ".rejects.csv")
        with open(file, encoding="utf-8-sig", newline="") as stream, open(rejects, "w", encoding="utf-8", newline="") as out:
            fmt = sniff_format(file.name, stream.read(1))
            stream.seek(0)
            with tqdm(desc="Importing", unit=" rows", file=self.stderr._out, leave=True) as bar:
                try:
                    summary = import_stream(
                        stream, fmt, id_column=id_column, mapping=mapping, create_traits=create_traits,
                        dry_run=dry_run, rejects=out, source=f"import:{file.name}", batch_size=batch_size,
                        progress=lambda done: bar.update(done - bar.n),
                    )
                except (ImportProblem, FileProblem) as exc:
                    raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
        if summary.rejected:
            self.stdout.write(f"Rejected rows and reasons: {rejects}")
        else:
            rejects.unlink(missing_ok=True)
