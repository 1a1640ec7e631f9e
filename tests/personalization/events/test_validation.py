"""The pure validator of one event (personalization.events.validation): no database, no Django."""

import ast
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalization.events import validation
from personalization.events.validation import Catalogue, Rejection, ValidEvent, Window, event_validate

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
WINDOW = Window(NOW - timedelta(days=7), NOW + timedelta(minutes=5))
CATALOGUE = Catalogue(
    types={"click": {}, "conversion": {}, "signup": {"plan": "string", "seats": "number", "trial": "boolean"}},
    segments=frozenset({"returning", "mobile"}),
)
GOOD = {"id": "e-1", "type": "click", "visitor_id": "v-1", "timestamp": "2026-12-05T11:00:00Z"}


def check(**changes) -> ValidEvent | Rejection:
    raw = {**GOOD, **changes}
    return event_validate({k: v for k, v in raw.items() if v is not ...}, 3, catalogue=CATALOGUE, window=WINDOW)


def test_a_full_event_is_normalised():
    event = check(
        type="signup", timestamp="2026-12-05T12:30:00.1234567+02:00", page=42, slot="home-hero", variant="v1",
        experiment="exp", arm="b", segments=["mobile", "returning", "mobile"], value=19.99,
        properties={"plan": "pro", "seats": 3, "trial": False},
    )
    assert isinstance(event, ValidEvent)
    assert event.occurred_at == datetime(2026, 12, 5, 10, 30, 0, 123456, tzinfo=timezone.utc)
    assert (event.page_id, event.placement, event.variant, event.arm) == (42, "home-hero", "v1", "b")
    assert event.segments == ("mobile", "returning")  # each once, in the order sent
    assert event.value == Decimal("19.9900")
    assert event.properties == {"plan": "pro", "seats": 3, "trial": False}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"type": "purchase"}, "unknown_type"),
        ({"type": 3}, "invalid"),
        ({"id": ...}, "missing"),
        ({"id": ""}, "invalid"),
        ({"id": "x" * 65}, "invalid"),
        ({"id": "a\x00b"}, "invalid"),
        ({"visitor_id": "\ud800"}, "invalid"),  # a lone surrogate: UTF-8 cannot store it
        ({"visitor_id": ...}, "missing"),
        ({"colour": "red"}, "unknown_field"),
        ({"timestamp": "2026-12-05T11:00:00"}, "invalid_timestamp"),  # no offset
        ({"timestamp": "2026-12-05"}, "invalid_timestamp"),
        ({"timestamp": "20261205T110000Z"}, "invalid_timestamp"),
        ({"timestamp": "2026-02-30T11:00:00Z"}, "invalid_timestamp"),
        ({"timestamp": 1764932400}, "invalid_timestamp"),
        ({"timestamp": "2026-11-27T11:59:59Z"}, "timestamp_out_of_window"),
        ({"timestamp": "2026-12-05T12:05:01Z"}, "timestamp_out_of_window"),
        ({"page": 0}, "invalid"),
        ({"page": True}, "invalid"),
        ({"page": "7"}, "invalid"),
        ({"placement": "a", "slot": "b"}, "invalid"),
        ({"segments": ["nobody"]}, "unknown_segment"),
        ({"segments": "returning"}, "invalid"),
        ({"value": "12"}, "invalid_value"),
        ({"value": True}, "invalid_value"),
        ({"value": 1e12}, "invalid_value"),
        ({"value": float("nan")}, "invalid_value"),
        ({"value": 10**40}, "invalid_value"),
        ({"value": 10**400}, "invalid_value"),
        ({"value": 1e300}, "invalid_value"),
        ({"timestamp": "٢٠٢٦-12-05T11:00:00Z"}, "invalid_timestamp"),  # digits, but not ASCII ones
        ({"type": "signup", "properties": {"seats": 10**400}}, "invalid_property"),
        ({"properties": {"plan": "pro"}}, "unknown_property"),  # click declares none
        ({"type": "signup", "properties": {"seats": "3"}}, "invalid_property"),
        ({"type": "signup", "properties": {"trial": 1}}, "invalid_property"),
        ({"type": "signup", "properties": {"plan": "x" * 257}}, "invalid_property"),
        ({"type": "signup", "properties": {"plan": "a\x00"}}, "invalid"),
        ({"type": "signup", "properties": []}, "invalid"),
    ],
)
def test_each_broken_rule_is_named(changes, code):
    rejection = check(**changes)
    assert isinstance(rejection, Rejection), rejection
    assert (rejection.index, rejection.code) == (3, code)
    sent_id = changes.get("id", "e-1")
    assert rejection.id == (sent_id if isinstance(sent_id, str) else None)
    assert rejection.detail


def test_the_window_is_inclusive_at_both_ends():
    assert isinstance(check(timestamp="2026-11-28T12:00:00Z"), ValidEvent)
    assert check(timestamp="2026-11-28t12:00:00.5z").occurred_at == datetime(2026, 11, 28, 12, 0, 0, 500000, tzinfo=timezone.utc)
    assert isinstance(check(timestamp="2026-12-05T12:05:00Z"), ValidEvent)


def test_an_item_that_is_not_an_object_is_rejected_without_an_id():
    rejection = event_validate(["e-1"], 0, catalogue=CATALOGUE, window=WINDOW)
    assert (rejection.id, rejection.code) == (None, "invalid")


def test_the_validator_imports_no_django():
    tree = ast.parse(Path(validation.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in ("django", "personalization", "cms")}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional={name: JSON for name in validation.FIELDS}) | JSON)
def test_any_json_is_validated_or_rejected_never_raises(raw):
    result = event_validate(raw, 0, catalogue=CATALOGUE, window=WINDOW)
    assert isinstance(result, (ValidEvent, Rejection))
