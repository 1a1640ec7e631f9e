"""Safe by default in the segment admin: an empty rule needs confirming, values are checked
against what can occur, every message is in the marketer's words; marketers define channels
and manage placements; rules read as sentences in the inspect view, comparisons and audit log."""

import html
import json

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from cms.models import Channel
from cms.roles import CHIEF_CONTENT_OFFICER, MARKETERS
from config.mail import email_settings
from personalization import selectors
from personalization.models import Placement, Segment
from personalization.services import LOG_RULES
from tests.factories import ChannelFactory, SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_personalization_segment"


def url(name: str, *args, urls: str = URLS) -> str:
    return reverse(f"{urls}:{name}", args=args)


@pytest.fixture
def marketer(client):
    user = UserFactory(username="marketer", role=MARKETERS)
    client.force_login(user)
    return user


def form_data(definition, **fields) -> dict:
    return {
        "name": "Everyone", "key": "everyone", "description": "", "priority": "100", "enabled": "on",
        "definition": json.dumps(definition), "go_live_at": "", "expire_at": "", "action-publish": "action-publish",
        **fields,
    }


def page_text(response) -> str:
    return html.unescape(response.content.decode())


# --- the empty rule ----------------------------------------------------------------------


def test_an_empty_rule_is_warned_about_and_needs_confirming(client, marketer):
    text = page_text(client.get(url("add")))
    assert "every visitor matches it" in text and "Yes, every visitor should match this segment" in text

    refused = client.post(url("add"), form_data({"all": []}))
    assert refused.status_code == 200
    assert refused.context["form"].errors["confirm_every_visitor"] == [
        "The rule has no conditions: confirm that every visitor should match."
    ]
    assert not Segment.objects.exists()

    confirmed = client.post(url("add"), form_data({"all": []}, confirm_every_visitor="on"))
    assert confirmed.status_code == 302
    assert Segment.objects.get(key="everyone").live


def test_a_rule_with_conditions_asks_for_no_confirmation(client, marketer):
    definition = {"all": [{"attribute": "device", "operator": "equals", "value": "mobile"}]}
    response = client.post(url("add"), form_data(definition))

    assert response.status_code == 302
    segment = Segment.objects.get(key="everyone")
    assert "every visitor matches it" not in page_text(client.get(url("edit", segment.pk)))


# --- values that can occur, in the marketer's words --------------------------------------


def test_a_country_name_is_refused_with_its_code_and_the_message_names_the_condition(client, marketer):
    definition = {"all": [{"attribute": "device", "operator": "equals", "value": "mobile"},
                          {"attribute": "country", "operator": "equals", "value": "Germany"}]}
    response = client.post(url("add"), form_data(definition))

    assert response.context["form"].errors["definition"] == [
        "Condition 2: 'Germany' is not a country code: use 'DE' (Germany)"
    ]
    assert not Segment.objects.exists()


def test_channels_must_exist_and_devices_be_known(client, marketer):
    ChannelFactory(slug="mobile", name="Mobile app")
    definition = {"any": [{"attribute": "channel", "operator": "equals", "value": "app"},
                          {"attribute": "device", "operator": "in", "value": ["mobile", "phone"]},
                          {"attribute": "channel", "operator": "equals", "value": "mobile"}]}
    body = client.post(url("test"), {"definition": definition}, content_type="application/json").json()

    texts = [issue["text"] for issue in body["issues"]]
    assert texts[0].startswith("Condition 1: 'app' is not a channel (") and "mobile" in texts[0]
    assert texts[1].startswith("Condition 2: 'phone' is not a device kind (desktop, mobile, tablet")
    assert len(texts) == 2


def test_the_builder_offers_real_channel_keys_countries_and_devices(marketer):
    ChannelFactory(slug="mobile", name="Mobile app")
    attributes = {attribute["name"]: attribute for attribute in selectors.builder_catalogue()["attributes"]}

    keys = ", ".join(Channel.objects.order_by("slug").values_list("slug", flat=True))
    assert attributes["channel"]["description"] == f"The channel asking, by its key: {keys}."
    assert "app" not in attributes["channel"]["description"].split(": ")[1].split(", ")
    assert {"value": "DE", "label": "Germany"} in attributes["country"]["suggestions"]
    assert [option["value"] for option in attributes["device"]["suggestions"]][:3] == ["desktop", "mobile", "tablet"]


@pytest.mark.parametrize(
    ("sample", "error"),
    [
        ({"visit_count": 2}, 'The sample visitor is not usable: it needs the channel it arrives on, e.g. "channel": "web"'),
        ({"channel": "web", "devise": "mobile"},
         "The sample visitor is not usable: 'devise' is not something a visitor has — did you mean 'device'?"),
        ({"channel": "web", "now": "yesterday"},
         "The sample visitor is not usable: 'now' needs a date and time like 2026-03-01T09:00:00+01:00"),
        ({"channel": "web", "events": [{"name": "signup"}]}, "The sample visitor is not usable: 'events' needs a list"),
        ({"channel": "web", "consent": "behaviour"}, "The sample visitor is not usable: 'consent' needs a list"),
        ({"channel": "web", "visit_count": "3"}, "The sample visitor is not usable: 'visit_count' needs a whole number"),
    ],
)
def test_a_bad_sample_visitor_gets_a_readable_message_not_a_python_exception(client, marketer, sample, error):
    definition = {"all": [{"attribute": "device", "operator": "equals", "value": "mobile"}]}
    response = client.post(url("test"), {"definition": definition, "sample": sample}, content_type="application/json")

    assert response.status_code == 400
    message = response.json()["error"]
    assert message.startswith(error)
    assert "VisitorContext" not in message and "__init__" not in message and "argument" not in message


# --- marketers own their tools -----------------------------------------------------------


def test_a_marketer_defines_a_channel_but_only_the_cco_deletes_one(client, marketer):
    channels = "wagtailsnippets_cms_channel"
    assert client.get(url("list", urls=channels)).status_code == 200
    response = client.post(url("add", urls=channels), {
        "name": "Kiosk", "slug": "kiosk", "description": "", "allowed_origins": "", "cache_max_age": "60",
        "rendition_presets-TOTAL_FORMS": "0", "rendition_presets-INITIAL_FORMS": "0",
        "rendition_presets-MIN_NUM_FORMS": "0", "rendition_presets-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    kiosk = Channel.objects.get(slug="kiosk")

    assert not marketer.has_perm("cms.delete_channel")
    assert client.post(url("delete", kiosk.pk, urls=channels)).status_code == 302
    assert Channel.objects.filter(pk=kiosk.pk).exists()
    assert UserFactory(username="cco", role=CHIEF_CONTENT_OFFICER).has_perm("cms.delete_channel")


@pytest.mark.parametrize("role", [MARKETERS, CHIEF_CONTENT_OFFICER])
def test_placements_are_visible_and_editable_by_marketers_and_the_cco(role):
    client = Client()
    client.force_login(UserFactory(username="someone", role=role))
    placements = "wagtailsnippets_personalization_placement"
    placement = Placement.objects.create(key="home-hero", name="Home hero")

    assert "Home hero" in page_text(client.get(url("list", urls=placements)))
    response = client.post(url("edit", placement.pk, urls=placements), {
        "name": "Home hero, spring", "key": "home-hero", "mode": "first",
        "default-count": "0", "variants-count": "0",
    })
    assert response.status_code == 302
    assert Placement.objects.get(pk=placement.pk).name == "Home hero, spring"


# --- rules as sentences ------------------------------------------------------------------

GERMAN_RETURNING = {"all": [{"attribute": "country", "operator": "equals", "value": "DE"},
                            {"attribute": "returning", "operator": "equals", "value": True}]}


def test_the_inspect_view_and_the_comparison_read_rules_as_sentences(client, marketer):
    segment = SegmentFactory(key="de", name="German", definition={"attribute": "country", "operator": "equals", "value": "DE"})
    first = segment.latest_revision
    segment.definition = GERMAN_RETURNING
    second = segment.save_revision()

    inspect = page_text(client.get(url("inspect", segment.pk)))
    assert "country is DE" in inspect

    compare = page_text(client.get(url("revisions_compare", segment.pk, first.pk, second.pk)))
    assert "country is DE" in compare and "returning visitor" in compare
    assert '"attribute"' not in compare


def test_the_audit_log_says_what_the_rules_became(client, marketer):
    definition = {"all": [{"attribute": "country", "operator": "equals", "value": "DE"}]}
    client.post(url("add"), form_data(definition))
    segment = Segment.objects.get(key="everyone")
    data = form_data(GERMAN_RETURNING)
    client.post(url("edit", segment.pk), data)

    entries = ModelLogEntry.objects.filter(action=LOG_RULES, object_id=str(segment.pk)).order_by("timestamp", "pk")
    assert [entry.message for entry in entries] == [
        "Rules: country is DE",
        "Rules changed from: country is DE — to: country is DE and returning visitor",
    ]
    history = page_text(client.get(url("history", segment.pk)))
    assert "country is DE and returning visitor" in history


# --- approval e-mails --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        ({"EMAIL_BACKEND": "file", "EMAIL_FILE_PATH": "/srv/mail"},
         {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": "/srv/mail"}),
        ({"EMAIL_URL": "smtp+tls://user:secret@mail.example.com:587"},
         {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "mail.example.com",
          "EMAIL_PORT": 587, "EMAIL_HOST_USER": "user", "EMAIL_USE_TLS": True}),
    ],
)
def test_e_mail_goes_to_the_console_by_default_to_files_or_smtp_by_environment(monkeypatch, tmp_path, environment, expected):
    import environ

    for name in ("EMAIL_URL", "EMAIL_BACKEND", "EMAIL_FILE_PATH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    found = email_settings(environ.Env(), tmp_path)

    assert {name: found[name] for name in expected} == expected
    if "EMAIL_FILE_PATH" not in environment:
        assert found["EMAIL_FILE_PATH"] == str(tmp_path / "mail")


def test_submitting_a_segment_for_approval_writes_the_cco_an_e_mail_a_person_can_read(client, marketer, settings, tmp_path):
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Workflow, WorkflowContentType

    from cms.roles import WORKFLOW_NAME

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    UserFactory(username="cco", role=CHIEF_CONTENT_OFFICER, email="cco@example.com")
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    WorkflowContentType.objects.create(workflow=workflow, content_type=ContentType.objects.get_for_model(Segment))
    definition = {"all": [{"attribute": "country", "operator": "equals", "value": "DE"}]}

    data = form_data(definition)
    del data["action-publish"]
    response = client.post(url("add"), {**data, "action-submit": "action-submit"})

    assert response.status_code == 302
    [written] = list(tmp_path.iterdir())
    text = written.read_text()
    assert "To: cco@example.com" in text and "Everyone" in text
