"""`manage.py churn_model train|evaluate|score|generate`: the hub's churn model from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from personalization.churnrisk.scoring import scores_refresh
from personalization.churnrisk.training import (
    TrainingProblem, evaluate, labelled_by_inactivity, labelled_by_trait, train_and_store,
)
from personalization.insight.churn.evaluation import FOLDS
from personalization.insight.churn.synthetic import write_csv
from personalization.models import VisitorProfile


class Command(BaseCommand):
    help = (
        "train: fit a churn model on CRM labels (--label-trait) or on inactivity (--inactivity-days) and store it "
        "as the next version; evaluate: print 5-fold cross-validated ROC AUC against a single-feature baseline; "
        "score: rescore every customer now (the periodic task does it too); generate: write a telecom-like CRM "
        "export with a known churn signal, to try the rest with import_traits."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        for name in ("train", "evaluate"):
            action = actions.add_parser(name)
            labels = action.add_mutually_exclusive_group(required=True)
            labels.add_argument("--label-trait", help="A CRM trait saying whether the customer left (yes/no, true/false, 1/0).")
            labels.add_argument("--inactivity-days", type=int, help="No labels: customers with no visit in N days after a cut-off N days ago left.")
            action.add_argument("--traits", help="Comma-separated input traits (default: every number, yes/no and choice trait most labelled customers have).")
        actions.add_parser("score")
        generate = actions.add_parser("generate")
        generate.add_argument("file", type=Path)
        generate.add_argument("--customers", type=int, default=7043)
        generate.add_argument("--seed", type=int, default=7)

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except TrainingProblem as exc:
            raise CommandError(str(exc)) from exc

    def _bar(self, desc: str, total: int | None = None, unit: str = " customers") -> tqdm:
        return tqdm(desc=desc, total=total, unit=unit, file=self.stderr._out, leave=True)

    def _labelled(self, label_trait: str | None, inactivity_days: int | None):
        with self._bar("Reading customers", VisitorProfile.objects.count()) as bar:
            progress = bar.update
            if label_trait:
                return labelled_by_trait(label_trait, progress=progress)
            return labelled_by_inactivity(inactivity_days, progress=progress)

    @staticmethod
    def _traits(text: str | None) -> list[str] | None:
        return [name.strip() for name in text.split(",") if name.strip()] if text else None

    def _evaluate(self, *, label_trait=None, inactivity_days=None, traits=None, **options):
        labelled = self._labelled(label_trait, inactivity_days)
        with self._bar("Cross-validating", FOLDS, " folds") as bar:
            try:
                spec, evaluation = evaluate(labelled, traits=self._traits(traits), progress=bar.update)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"Inputs: {', '.join(spec.names())}")
        for line in evaluation.lines():
            self.stdout.write(line)

    def _train(self, *, label_trait=None, inactivity_days=None, traits=None, **options):
        labelled = self._labelled(label_trait, inactivity_days)
        with self._bar("Training (5-fold evaluation, then all customers)", FOLDS, " folds") as bar:
            try:
                model = train_and_store(labelled, traits=self._traits(traits), progress=bar.update)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Stored churn model v{model.version} ({model.label}): {model.customers} customers, {model.positives} left; "
            f"ROC AUC {model.auc:.3f} against {model.baseline_auc:.3f} for {model.baseline_feature} alone."
        )
        self.stdout.write("Scores are refreshed by the periodic task, or now with: manage.py churn_model score")

    def _score(self, **options):
        with self._bar("Scoring", VisitorProfile.objects.count()) as bar:
            run = scores_refresh(progress=bar.update)
        if run.model_version is None:
            self.stdout.write("No churn model yet (manage.py churn_model train): no customer has a churn risk.")
        else:
            self.stdout.write(f"Model v{run.model_version}: {run.scored} customers scored, {run.changed} changed, {run.high} at high risk.")
        if run.removed:
            self.stdout.write(f"{run.removed} churn risks without a current score removed.")

    def _generate(self, *, file: Path, customers: int, seed: int, **options):
        with open(file, "w", encoding="utf-8", newline="") as stream:
            written = write_csv(stream, customers, seed=seed)
        self.stdout.write(
            f"{written} customers written to {file}. Next: manage.py import_traits {file} --id-column customer_id "
            "--create-traits, then manage.py churn_model train --label-trait churned"
        )
