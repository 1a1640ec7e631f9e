"""The pure core's value parsing, type inference and row checks (no database)."""

import io

import pytest

from personalization.traits import ABSENT, RowPlan, TraitSpec, ValueProblem, check_row, infer_type, json_value, parse_value, read_rows


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1234", 1234), ("1,234.50", 1234.5), ("$12.00", 12), ("€ 3,50", 3.5), ("1.234,50", 1234.5),
        ("-$7", -7), ("(12.5)", -12.5), ("12 500", 12500), ("EUR 10", 10), ("0,5", 0.5), ("£1,000,000", 1000000),
        ("  42 ", 42), ("3.14", 3.14), (7, 7), (2.5, 2.5),
    ],
)
def test_numbers_are_read_as_crm_exports_write_them(raw, expected):
    assert parse_value("number", raw) == expected


@pytest.mark.parametrize("raw", ["abc", "12abc", "1e3", "--1", "$", "1,2,3.4.5x", True])
def test_what_is_not_a_number_is_a_problem_saying_so(raw):
    with pytest.raises(ValueProblem, match="number"):
        parse_value("number", raw)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_a_blank_is_absent_for_every_type(raw):
    for kind in ("string", "number", "boolean", "date"):
        assert parse_value(kind, raw) is ABSENT
    assert parse_value("choice", raw, ("a",)) is ABSENT


@pytest.mark.parametrize("raw, expected", [("yes", True), ("No", False), ("TRUE", True), ("false", False), ("1", True), ("0", False), ("y", True), ("N", False), (True, True)])
def test_booleans(raw, expected):
    assert parse_value("boolean", raw) is expected


def test_a_boolean_refuses_other_words():
    with pytest.raises(ValueProblem, match="yes/no"):
        parse_value("boolean", "maybe")


@pytest.mark.parametrize("raw", ["2026-03-04", "04/03/2026", "04.03.2026", "4 Mar 2026", "March 4, 2026", "2026-03-04T10:00:00Z", "20260304"])
def test_dates_in_iso_and_common_forms(raw):
    assert parse_value("date", raw) == "2026-03-04"


def test_a_bad_date_and_a_choice_outside_the_list_are_problems():
    with pytest.raises(ValueProblem, match="not a date"):
        parse_value("date", "31/02/2026")
    with pytest.raises(ValueProblem, match="not one of"):
        parse_value("choice", "platinum", ("gold", "silver"))
    assert parse_value("choice", " GOLD ", ("gold", "silver")) == "gold"


def test_json_values_are_strict_about_types():
    assert json_value("number", 12.5) == 12.5
    assert json_value("boolean", False) is False
    assert json_value("date", "2026-01-02") == "2026-01-02"
    for kind, raw in [("number", "12"), ("number", True), ("boolean", "yes"), ("date", "02/01/2026"), ("string", 3), ("choice", "x")]:
        with pytest.raises(ValueProblem):
            json_value(kind, raw, ("a",))


# A CRM export as they come: ids with leading zeros, yes/no, money, numbers with blanks, dates, a tier.
CRM_EXPORT = """\
Customer ID;Email opt-in;Lifetime value;Orders;Signed up;Tier;Postcode;Notes
000123;Yes;"$1,200.50";3;2024-01-15;gold;01234;likes shoes
000124;No;$80.00;;2024-02-01;silver;02345;
000125;yes;$0.00;1;15/03/2024;gold;10115;called twice, wants a catalogue
000126;no;"$12,000.00";;2024-04-30;bronze;75001;
000127;YES;$45.99;7;2024-05-02;silver;00199;moved house
000128;No;;2;2024-06-11;gold;01234;prefers email
"""


def test_inference_on_a_realistic_crm_export():
    columns, rows = read_rows(io.StringIO(CRM_EXPORT), "csv")
    sample = [row for _, row, _ in rows]
    types = {column: infer_type([row[column] for row in sample]) for column in columns}
    assert types["Customer ID"] == ("string", ())  # leading zeros: an id, not a number
    assert types["Postcode"] == ("string", ())
    assert types["Email opt-in"] == ("boolean", ())
    assert types["Lifetime value"] == ("number", ())  # money, with a blank
    assert types["Orders"] == ("number", ())  # blanks stay numbers
    assert types["Signed up"] == ("date", ())
    assert types["Tier"] == ("choice", ("bronze", "gold", "silver"))
    assert types["Notes"] == ("string", ())


def test_a_column_of_zeros_and_ones_is_a_number_not_a_boolean():
    assert infer_type(["0", "1", "1", "0"]) == ("number", ())


def test_reader_reports_malformed_lines_instead_of_dropping_them():
    columns, rows = read_rows(io.StringIO("id,a\n1,x\n2,y,z\n\n3\n"), "csv")
    assert columns == ["id", "a"]
    assert list(rows) == [
        (1, {"id": "1", "a": "x"}, None), (2, None, "3 cells for 2 columns"), (3, None, "empty line"), (4, {"id": "3"}, None),
    ]
    columns, rows = read_rows(io.StringIO('{"id": "1", "n": 2}\nnot json\n[1]\n{"id": "2", "extra": true}\n'), "jsonl")
    assert [(number, problem) for number, _, problem in rows] == [(1, None), (2, "not valid JSON"), (3, "not a JSON object"), (4, None)]
    assert columns == ["id", "n", "extra"]


def test_a_row_is_applied_whole_or_rejected_with_every_problem():
    plan = RowPlan("id", {"ltv": TraitSpec("ltv", "number"), "vip": TraitSpec("vip", "boolean")})
    good = check_row(plan, 1, {"id": "v1", "ltv": "$5", "vip": ""})
    assert good.ok and good.visitor_id == "v1" and good.values == {"ltv": 5}
    bad = check_row(plan, 2, {"id": "", "ltv": "lots", "vip": "yes"})
    assert not bad.ok and bad.values == {}
    assert [column for column, _ in bad.problems] == ["id", "ltv"]
    computed = check_row(RowPlan("id", {"score": TraitSpec("score", "number", computed=True)}), 3, {"id": "v", "score": "1"})
    assert computed.problems == (("score", "trait 'score' is computed by the hub and cannot be imported"),)
