"""The dashboard's arithmetic, without a database."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from personalization.events.rates import Figures, bucket_starts, granularity_for, rate

START = datetime(2026, 3, 1, tzinfo=timezone.utc)


def test_a_rate_is_none_without_a_denominator_and_a_fraction_otherwise():
    assert rate(3, 0) is None
    assert rate(0, 4) == 0
    assert rate(1, 4) == 0.25


def test_figures_add_up_and_give_click_through_and_conversion_rates_over_impressions():
    total = Figures(200, 10, 2, Decimal("19.90")) + Figures(50, 5, 3, Decimal("5.10"))
    assert total == Figures(250, 15, 5, Decimal("25.00"))
    assert total.click_through_rate == 0.06
    assert total.conversion_rate == 0.02
    assert Figures(clicks=3).click_through_rate is None


def test_two_days_are_drawn_in_hours_and_anything_longer_in_days():
    assert granularity_for(START, START + timedelta(days=2)) == "hour"
    assert granularity_for(START, START + timedelta(days=2, hours=1)) == "day"


def test_buckets_cover_the_range_end_excluded():
    hours = list(bucket_starts(START, START + timedelta(days=1), "hour"))
    assert len(hours) == 24 and hours[0] == START and hours[-1] == START + timedelta(hours=23)
    assert list(bucket_starts(START, START + timedelta(days=3), "day")) == [START + timedelta(days=n) for n in range(3)]


def test_the_arithmetic_imports_only_the_standard_library():
    import ast
    import sys
    from pathlib import Path

    import personalization.events.rates as module

    tree = ast.parse(Path(module.__file__).read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert imported and all(name.split(".")[0] in sys.stdlib_module_names for name in imported)
