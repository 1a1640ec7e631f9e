"""`manage.py experiments_check_stats`: print the experiments' statistics beside published values and engines."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from personalization.experiments.checks import Check, aa_checks, engine_checks, published_checks


class Command(BaseCommand):
    help = (
        "Print our statistics beside published textbook figures, scipy, statsmodels and gbstats for the same "
        "inputs, and the false-positive rates of an A/A simulation peeking daily for 30 days. Fails if any differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2021, help="Seed of the A/A simulation.")
        parser.add_argument("--experiments", type=int, default=2_000, help="Simulated A/A experiments.")

    def handle(self, *args, seed: int, experiments: int, **options):
        self._section("Published values", published_checks())
        self._section("Open engines, same inputs", engine_checks())
        progress = lambda items: tqdm(items, desc="A/A simulation", unit=" experiments", file=self.stderr._out)  # noqa: E731
        self._section("A/A simulation", aa_checks(seed=seed, experiments=experiments, progress=progress))
        failed = [c for c in self._checks if c.ok is False]
        unavailable = [c for c in self._checks if c.ok is None]
        if unavailable:
            self.stdout.write(f"{len(unavailable)} check(s) without a reference (engine not installed).")
        if failed:
            raise CommandError(f"{len(failed)} check(s) differ: " + "; ".join(c.name for c in failed))
        self.stdout.write(self.style.SUCCESS(f"All {len(self._checks) - len(unavailable)} checks agree."))

    _checks: list[Check]

    def _section(self, title: str, checks: list[Check]) -> None:
        self._checks = [*getattr(self, "_checks", []), *checks]
        self.stdout.write(f"\n{title}")
        self.stdout.write(f"  {'check':<56} {'reference':>14} {'ours':>14}  {'':4} source")
        for c in checks:
            reference = "—" if c.reference is None else f"{c.reference:.6g}"
            verdict = {True: "ok", False: "DIFF", None: "n/a"}[c.ok]
            self.stdout.write(f"  {c.name:<56} {reference:>14} {c.ours:>14.6g}  {verdict:4} {c.source}")
