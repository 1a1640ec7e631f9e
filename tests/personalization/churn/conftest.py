"""A generated telecom CRM export imported through import_traits, as a marketer would."""

from io import StringIO

import pytest
from django.core.management import call_command

from personalization.insight.churn.synthetic import write_csv

CUSTOMERS = 1500


@pytest.fixture
def telco_imported(db, tmp_path):
    """CUSTOMERS customers' traits (churned among them) imported; returns the file's path."""
    path = tmp_path / "telco.csv"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        write_csv(stream, CUSTOMERS, seed=21)
    call_command("import_traits", str(path), "--id-column", "customer_id", "--create-traits", stdout=StringIO(), stderr=StringIO())
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command("churn_model", *args, stdout=out, stderr=StringIO())
    return out.getvalue()
