"""`manage.py aggregate_experiments`: rebuild the experiments' daily figures now (what the periodic task does)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from personalization.experiments.aggregation import experiments_aggregate


class Command(BaseCommand):
    help = "Rebuild every registered experiment's daily per-arm figures from exposures and raw events."

    def handle(self, *args, **options):
        result = experiments_aggregate(progress=lambda specs: tqdm(
            list(specs), desc="Aggregating experiments", unit=" experiments", file=self.stderr._out))
        self.stdout.write(f"Rebuilt {result['experiments']} experiment(s): {result['rows']} daily arm rows.")
