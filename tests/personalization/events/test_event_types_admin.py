"""Marketers declare custom event types in the admin; built-in types keep their name and stay."""

import pytest
from django.urls import reverse

from cms.roles import EDITORS, MARKETERS
from personalization.models import EventType
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_personalization_eventtype"


@pytest.fixture
def marketer(client):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))


def test_a_marketer_declares_a_type_with_typed_properties(client, marketer):
    response = client.post(reverse(f"{URLS}:add"), {
        "label": "Sign-up", "name": "signup", "description": "", "properties": "plan: string\n\n seats : number\n",
    })
    assert response.status_code == 302, response.context["form"].errors
    assert EventType.objects.get(name="signup").properties == [
        {"key": "plan", "type": "string"}, {"key": "seats", "type": "number"},
    ]
    listing = client.get(reverse(f"{URLS}:list"))
    assert listing.status_code == 200 and b"signup" in listing.content
    edit = client.get(reverse(f"{URLS}:edit", args=[EventType.objects.get(name="signup").pk]))
    assert b"plan: string\nseats: number" in edit.content


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ("Plan: string", "is not a key"),
        ("plan string", "write `key: type`"),
        ("plan: money", "the type must be one of"),
        ("plan: string\nplan: number", "declared twice"),
        ("\x00: string", "is not a key"),
        ("\n".join(f"k{i}: string" for i in range(51)), "At most 50 properties"),
    ],
)
def test_a_bad_property_line_is_a_form_error(client, marketer, properties, message):
    response = client.post(reverse(f"{URLS}:add"), {"label": "X", "name": "x", "description": "", "properties": properties})
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["properties"])
    assert not EventType.objects.filter(name="x").exists()


def test_a_built_in_type_cannot_be_renamed_or_deleted(client, marketer):
    click = EventType.objects.get(name="click")
    response = client.post(reverse(f"{URLS}:edit", args=[click.pk]), {
        "label": "Tap", "name": "tap", "description": "", "properties": "",
    })
    assert response.status_code == 302
    click.refresh_from_db()
    assert (click.name, click.label) == ("click", "Tap")  # the label is the marketer's to change
    refused = client.post(reverse(f"{URLS}:delete", args=[click.pk]))
    assert refused.status_code == 302
    assert EventType.objects.filter(name="click").exists()
    custom = EventType.objects.create(name="signup", label="Sign-up")
    assert client.post(reverse(f"{URLS}:delete", args=[custom.pk])).status_code == 302
    assert not EventType.objects.filter(name="signup").exists()


def test_an_editor_cannot_reach_event_types(client):
    client.force_login(UserFactory(username="editor", role=EDITORS))
    assert client.get(reverse(f"{URLS}:list")).status_code in (302, 403)
