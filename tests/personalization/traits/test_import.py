"""`manage.py import_traits`: good rows applied, bad rows reported, idempotent, dry run writes nothing."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from personalization.models import TraitDefinition, VisitorProfile
from personalization.profiles import profile_load, profile_upsert

pytestmark = pytest.mark.django_db

EXPORT = """\
visitor,tier,ltv,newsletter,signed_up
v1,gold,"$1,200.50",yes,2024-01-15
v2,silver,,no,01/02/2024
v3,platinum,10,yes,2024-03-01
,gold,5,no,2024-03-02
v4,gold,not much,maybe,2024-13-01
v5,silver,$80,No,
"""


@pytest.fixture
def catalogue(db):
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold", "silver"])
    TraitDefinition.objects.create(name="ltv", type="number")
    TraitDefinition.objects.create(name="newsletter", type="boolean")
    TraitDefinition.objects.create(name="signed_up", type="date")


def run(path, *args) -> str:
    out = io.StringIO()
    call_command("import_traits", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def rejects_of(path) -> list[dict]:
    with open(str(path) + ".rejects.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def traits() -> dict[str, dict]:
    return {p.visitor_id: p.traits for p in VisitorProfile.objects.order_by("visitor_id")}


def test_good_rows_are_applied_and_bad_rows_reported_with_reasons(tmp_path, catalogue):
    source = tmp_path / "crm.csv"
    source.write_text(EXPORT)

    output = run(source, "--id-column", "visitor")

    assert traits() == {
        "v1": {"tier": "gold", "ltv": 1200.5, "newsletter": True, "signed_up": "2024-01-15"},
        "v2": {"tier": "silver", "newsletter": False, "signed_up": "2024-02-01"},  # blank ltv: absent
        "v5": {"tier": "silver", "ltv": 80, "newsletter": False},
    }
    assert "6 rows read, 3 valid, 3 rejected." in output
    assert "3 profiles changed (3 new)." in output
    reasons = [(r["row"], r["column"], r["reason"]) for r in rejects_of(source)]
    assert reasons == [
        ("3", "tier", "'platinum' is not one of: gold, silver"),
        ("4", "visitor", "no visitor id"),
        ("5", "ltv", "not a number: 'not much'"),
        ("5", "newsletter", "not a yes/no value: 'maybe'"),
        ("5", "signed_up", "not a date: '2024-13-01'"),
    ]
    # every value carries where it came from and when
    source_of = VisitorProfile.objects.get(visitor_id="v1").trait_sources["ltv"]
    assert source_of["source"] == "import:crm.csv" and source_of["at"].endswith("+00:00")


def test_re_running_the_same_file_changes_nothing(tmp_path, catalogue):
    source = tmp_path / "crm.csv"
    source.write_text(EXPORT)
    run(source, "--id-column", "visitor")
    before = {p.visitor_id: (p.traits, p.trait_sources, p.updated_at) for p in VisitorProfile.objects.all()}

    output = run(source, "--id-column", "visitor")

    assert "0 profiles changed (0 new)." in output
    assert {p.visitor_id: (p.traits, p.trait_sources, p.updated_at) for p in VisitorProfile.objects.all()} == before


def test_a_changed_value_is_merged_and_only_it_gets_a_new_time(tmp_path, catalogue):
    profile_upsert(visitor_id="v1", consent=["crm"], traits={"tier": "gold", "favourite": "shoes"})
    stamped = VisitorProfile.objects.get(visitor_id="v1").trait_sources["tier"]
    source = tmp_path / "change.csv"
    source.write_text("visitor,tier,ltv\nv1,gold,99\n")

    assert "1 profiles changed (0 new)." in run(source, "--id-column", "visitor")

    profile = VisitorProfile.objects.get(visitor_id="v1")
    assert profile.traits == {"tier": "gold", "favourite": "shoes", "ltv": 99}  # merged, nothing else lost
    assert profile.trait_sources["tier"] == stamped  # unchanged value keeps its provenance
    assert profile.trait_sources["ltv"]["source"] == "import:change.csv"
    assert profile.consent == ["crm"]


def test_an_import_reaches_the_cached_profile(tmp_path, catalogue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        profile_upsert(visitor_id="v1", consent=["crm"], traits={"tier": "silver"})
    assert profile_load("v1").traits == {"tier": "silver"}  # cached now
    source = tmp_path / "crm.csv"
    source.write_text("visitor,tier\nv1,gold\n")
    with django_capture_on_commit_callbacks(execute=True):
        run(source, "--id-column", "visitor")
    assert profile_load("v1").traits == {"tier": "gold"}


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(tmp_path, catalogue):
    source = tmp_path / "crm.csv"
    source.write_text(EXPORT)

    output = run(source, "--id-column", "visitor", "--dry-run", "--create-traits")

    assert VisitorProfile.objects.count() == 0
    assert TraitDefinition.objects.filter(computed=False).count() == 4
    assert "Dry run: 6 rows read, 3 valid, 3 rejected." in output
    assert "3 profiles would change (3 new)." in output
    assert len(rejects_of(source)) == 5


def test_create_traits_infers_types_and_map_renames_a_column(tmp_path, db):
    source = tmp_path / "export.jsonl"
    lines = [
        {"Customer ID": f"c{n}", "Opt in": "yes" if n % 2 else "no", "Spend": f"${n},000.00" if n % 3 else "", "Code": f"00{n}", "Plan": "pro"}
        for n in range(1, 8)
    ]
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    output = run(source, "--id-column", "Customer ID", "--create-traits", "--map", "Plan=plan_name")

    created = dict(TraitDefinition.objects.filter(computed=False).values_list("name", "type"))
    assert created == {"opt_in": "boolean", "spend": "number", "code": "string", "plan_name": "choice"}
    assert "Traits created: code, opt_in, plan_name, spend." in output
    assert VisitorProfile.objects.get(visitor_id="c2").traits == {"opt_in": False, "spend": 2000, "code": "002", "plan_name": "pro"}
    assert "spend" not in VisitorProfile.objects.get(visitor_id="c3").traits  # blank: absent


def test_columns_without_a_trait_are_named_not_dropped_silently(tmp_path, catalogue):
    source = tmp_path / "crm.csv"
    source.write_text("visitor,tier,shoe_size\nv1,gold,42\n")
    assert "Columns not imported (no trait): shoe_size." in run(source, "--id-column", "visitor")


def test_computed_traits_and_unknown_columns_are_refused_before_anything_is_written(tmp_path, catalogue):
    TraitDefinition.objects.create(name="churn_risk", type="number", computed=True)
    source = tmp_path / "crm.csv"
    source.write_text("visitor,tier,risk\nv1,gold,0.9\n")
    with pytest.raises(CommandError, match="computed"):
        run(source, "--id-column", "visitor", "--map", "risk=churn_risk")
    with pytest.raises(CommandError, match="no column 'customer'"):
        run(source, "--id-column", "customer")
    with pytest.raises(CommandError, match="not a trait"):
        run(source, "--id-column", "visitor", "--map", "risk=nothing")
    assert VisitorProfile.objects.count() == 0
