"""`manage.py sentiment_evaluate FILE.tsv [--train N] [--backend lexicon|trained]`: accuracy on labelled lines."""

from django.core.management.base import BaseCommand, CommandError

from personalization.insight.sentiment.domain import SEED, TooFewLabels
from personalization.insight.sentiment.evaluation import evaluate_lexicon, evaluate_trained, read_labelled


class Command(BaseCommand):
    help = (
        "Read text<TAB>label lines (1 positive, 0 negative) and print the lexicon's accuracy; with --train N, "
        "train the domain model on N lines (stratified, fixed seed) and print its accuracy and the lexicon's on the rest."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--train", type=int, default=0, help="Labelled lines to train the domain model on.")
        parser.add_argument("--backend", choices=["lexicon", "trained"], help="Report only this backend.")
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args, file: str, train: int, backend: str | None, seed: int, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                texts, labels = read_labelled(handle)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if backend == "trained" and not train:
            raise CommandError("--backend trained needs --train N")
        self.stdout.write(f"{len(texts)} labelled lines ({labels.count('positive')} positive) in {file}")
        if backend in (None, "lexicon"):
            whole = evaluate_lexicon(texts, labels)
            self.stdout.write(f"lexicon accuracy: {whole.accuracy:.3f} on all {whole.tested} lines")
        if train:
            if not 2 <= train <= len(texts) - 2:
                raise CommandError(f"--train must leave lines to test on (at most {len(texts) - 2})")
            try:
                trained, lexicon = evaluate_trained(texts, labels, train, seed)
            except (TooFewLabels, ValueError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"trained accuracy: {trained.accuracy:.3f} on {trained.tested} held-out lines "
                              f"(trained on {trained.trained_on}, seed {seed})")
            if backend in (None, "lexicon"):
                self.stdout.write(f"lexicon accuracy: {lexicon.accuracy:.3f} on the same held-out lines")
