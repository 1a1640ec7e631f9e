"""`manage.py experiments_check_stats` prints each figure beside its reference and fails on a difference."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from personalization.experiments import checks


def run(*args: str) -> str:
    out = StringIO()
    call_command("experiments_check_stats", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_prints_published_values_engines_and_aa_rates_and_all_agree():
    output = run("--experiments", "300")
    assert "Agresti" in output and "Kohavi" in output and "gbstats 0.8" in output and "statsmodels" in output
    rows = [line for line in output.splitlines() if line.startswith("  ") and "check" not in line.split()[:1]]
    assert len(rows) == 15
    assert all(" ok " in row for row in rows)
    assert "A/A, 30 daily looks: always-valid false positives" in output
    assert "All 15 checks agree." in output


def test_a_figure_off_its_reference_fails_the_command(monkeypatch):
    wrong = checks._check("aspirin: 95% CI low", checks.AGRESTI, 0.005, 0.007, 0.0005)
    monkeypatch.setattr("personalization.management.commands.experiments_check_stats.published_checks",
                        lambda: [wrong])
    with pytest.raises(CommandError, match="1 check"):
        run("--experiments", "50")
