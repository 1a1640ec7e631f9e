"""The engine's editor checks in the marketer's words: values checked against what can occur,
problems placed by condition number, rules read as sentences, the rule that lets everyone in."""

import pytest

from personalization.engine import (
    DEVICE_KINDS,
    IssueCode,
    describe,
    issue_texts,
    matches_everyone,
    validate_definition,
    value_issues,
)
from personalization.engine.countries import COUNTRIES


def test_the_iso_list_is_complete_and_well_formed():
    assert len(COUNTRIES) == 249
    assert all(len(code) == 2 and code.isupper() for code in COUNTRIES)
    assert COUNTRIES["DE"] == "Germany" and COUNTRIES["GB"] == "United Kingdom"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Germany", "'Germany' is not a country code: use 'DE' (Germany)"),
        ("germany", "'germany' is not a country code: use 'DE' (Germany)"),
        ("Germny", "'Germny' is not a country code: use 'DE' (Germany)"),
        ("XX", "'XX' is not a country code: use a two-letter ISO 3166 code such as 'DE' or 'GB'"),
    ],
)
def test_a_country_name_is_refused_with_the_code_it_means(value, message):
    [issue] = value_issues({"all": [{"attribute": "country", "operator": "equals", "value": value}]})
    assert (issue.path, issue.code, issue.message) == ("all[0].value", IssueCode.UNKNOWN_COUNTRY, message)


@pytest.mark.parametrize("value", ["DE", "de", "GB"])
def test_iso_codes_pass_in_any_case(value):
    assert value_issues({"attribute": "country", "operator": "equals", "value": value}) == []


def test_each_list_item_is_checked_and_placed():
    definition = {"any": [{"attribute": "country", "operator": "in", "value": ["FR", "Spain"]}]}
    [issue] = value_issues(definition)
    assert issue.path == "any[0].value[1]" and "use 'ES' (Spain)" in issue.message


def test_devices_channels_and_trait_choices_are_values_that_can_occur():
    definition = {"all": [
        {"attribute": "device", "operator": "equals", "value": "phone"},
        {"attribute": "channel", "operator": "equals", "value": "app"},
        {"attribute": "trait.tier", "operator": "not_in", "value": ["gold", "platnum"]},
        {"attribute": "device", "operator": "equals", "value": "Tablet"},
        {"attribute": "channel", "operator": "equals", "value": "mobile"},
    ]}
    issues = value_issues(definition, channels=["web", "mobile"], trait_choices={"tier": ["gold", "platinum"]})
    assert [(issue.path, issue.code) for issue in issues] == [
        ("all[0].value", IssueCode.UNKNOWN_DEVICE),
        ("all[1].value", IssueCode.UNKNOWN_CHANNEL),
        ("all[2].value[1]", IssueCode.NOT_A_TRAIT_CHOICE),
    ]
    assert issues[0].message == f"'phone' is not a device kind ({', '.join(DEVICE_KINDS)})"
    assert issues[1].message == "'app' is not a channel (mobile, web)"
    assert issues[2].message == "'platnum' is not a value of trait.tier (gold, platinum) — did you mean 'platinum'?"


def test_channels_are_not_checked_when_unknown_and_junk_never_raises():
    assert value_issues({"attribute": "channel", "operator": "equals", "value": "anything"}) == []
    for junk in (None, [], "x", {"all": "x"}, {"all": [1, None, {"attribute": 3}]}, {"not": None}):
        assert value_issues(junk) == []


def test_problems_are_placed_by_condition_number_never_by_path_and_only_once():
    definition = {"all": [
        {"attribute": "device", "operator": "equals", "value": "mobile"},
        {"any": [
            {"attribute": "returning", "operator": "equals", "value": True},
            {"attribute": "visit_count", "operator": "between", "value": [5, 2]},
        ]},
        {"not": {"attribute": "visit_count", "operator": "gte", "value": "two"}},
    ]}
    issues = validate_definition(definition, segment_keys=[], trait_types={})
    texts = issue_texts([*issues, *issues], definition)
    assert texts == [
        "Condition 3: 'between' needs two numbers, the smaller first",
        "Condition 4: 'gte' needs a number, got 'two'",
    ]
    assert not any("all[" in text or "any[" in text for text in texts)


def test_a_problem_with_the_rule_as_a_whole_says_so():
    issues = validate_definition({"all": "x"}, segment_keys=[], trait_types={})
    assert issue_texts(issues, {"all": "x"}) == ["The rule: 'all' needs a list of conditions"]


@pytest.mark.parametrize(
    ("definition", "text"),
    [
        ({"all": [{"attribute": "country", "operator": "equals", "value": "DE"},
                  {"attribute": "returning", "operator": "equals", "value": True}]},
         "country is DE and returning visitor"),
        ({"any": [{"attribute": "device", "operator": "in", "value": ["mobile", "tablet"]},
                  {"all": [{"attribute": "visit_count", "operator": "between", "value": [2, 5]},
                           {"attribute": "first_visit", "operator": "equals", "value": False}]}]},
         "device type is one of mobile, tablet or (visit count is between 2 and 5 and not first visit)"),
        ({"not": {"attribute": "segment", "operator": "member_of", "value": "gold"}}, "not (member of segment gold)"),
        ({"attribute": "trait.tier", "operator": "exists"}, "trait.tier is known"),
        ({"all": []}, "every visitor"),
        ({"any": []}, "no visitor"),
        ({"all": [{"attribute": 3}, "x"]}, "3 None (nothing) and (unreadable condition)"),
    ],
)
def test_rules_read_as_sentences(definition, text):
    assert describe(definition) == text


@pytest.mark.parametrize(
    ("definition", "everyone"),
    [
        ({"all": []}, True),
        ({"all": [{"all": []}]}, True),
        ({"any": [{"all": []}, {"attribute": "device", "operator": "equals", "value": "mobile"}]}, True),
        ({"not": {"any": []}}, True),
        ({"any": []}, False),
        ({"all": [{"attribute": "device", "operator": "equals", "value": "mobile"}]}, False),
        ({}, False),
        (None, False),
    ],
)
def test_a_rule_that_lets_every_visitor_in_is_recognised(definition, everyone):
    assert matches_everyone(definition) is everyone


def test_the_catalogue_offers_the_values_that_can_occur():
    from personalization.engine import catalogue

    attributes = {attribute["name"]: attribute for attribute in catalogue()["attributes"]}
    assert {"value": "DE", "label": "Germany"} in attributes["country"]["suggestions"]
    assert [option["value"] for option in attributes["device"]["suggestions"]] == list(DEVICE_KINDS)
    assert "suggestions" not in attributes["visit_count"]
