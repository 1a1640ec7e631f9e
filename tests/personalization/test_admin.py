"""The marketer's segment admin through Django's test client: the snippet views with the rule
builder's field, the trial endpoint, the priority list, roles, workflow and audit log."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry, Revision, TaskState, Workflow, WorkflowContentType

from cms.roles import CHIEF_CONTENT_OFFICER, EDITORS, MARKETERS, WORKFLOW_NAME
from personalization import ruleset_cache, selectors
from personalization.models import Segment, TraitDefinition, VisitorProfile
from personalization.services import LOG_DISABLED, LOG_PRIORITY, LOG_RULES
from tests.factories import SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_personalization_segment"
MOBILE_RETURNING = {"all": [
    {"attribute": "device", "operator": "equals", "value": "mobile"},
    {"attribute": "visit_count", "operator": "gte", "value": 2},
]}
SAMPLE = {"channel": "web", "visitor_id": "v-sample", "now": "2026-03-02T10:00:00Z", "device": "mobile",
          "visit_count": 3, "consent": ["behaviour"]}


@pytest.fixture
def marketer(client):
    user = UserFactory(username="marketer", role=MARKETERS)
    client.force_login(user)
    return user


def url(name: str, *args) -> str:
    return reverse(f"{URLS}:{name}", args=args)


def form_data(*, definition, action: str = "", **fields) -> dict:
    """POST data of the segment editor, as the rule builder leaves it (JSON in the field)."""
    data = {
        "name": "Mobile returning",
        "key": "mobile-returning",
        "description": "",
        "priority": "100",
        "enabled": "on",
        "definition": definition if isinstance(definition, str) else json.dumps(definition),
        "go_live_at": "",
        "expire_at": "",
        **fields,
    }
    if action:
        data[action] = action
    return data


def trial(client: Client, **body):
    return client.post(url("test"), json.dumps(body), content_type="application/json")


def log_actions(segment: Segment) -> list[str]:
    entries = ModelLogEntry.objects.for_instance(segment).order_by("timestamp", "pk")
    return list(entries.values_list("action", flat=True))


# --- the editor ---------------------------------------------------------------------------


def test_the_editor_renders_the_rule_builder_with_the_catalogue_and_traits(client, marketer):
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold", "silver"])

    response = client.get(url("add"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-rule-builder" in html and "personalization/rule_builder.js" in html
    assert "data-segment-tester" in html  # the sample-visitor panel
    assert 'name="go_live_at"' in html and 'name="expire_at"' in html  # "Set schedule"
    widget = response.context["form"].fields["definition"].widget
    catalogue = widget.get_context("definition", "{}", {"id": "x"})["catalogue"]
    tier = next(a for a in catalogue["attributes"] if a["name"] == "trait.tier")
    assert tier["choices"] == ["gold", "silver"] and tier["category"] == "crm"
    assert json.loads(response.context["form"]["definition"].value()) == {"all": []}


def test_the_listing_shows_priority_state_and_searches_by_key(client, marketer):
    SegmentFactory(key="mobile-returning", priority=10, definition=MOBILE_RETURNING)
    Segment.objects.create(key="vip", name="Big spenders", priority=20, definition=MOBILE_RETURNING, live=False)

    listing = client.get(url("list"))
    assert listing.status_code == 200
    headings = [column.label for column in listing.context["table"].columns.values()]
    assert {"Name", "Key", "Priority", "On", "Status"} <= set(map(str, headings))
    assert url("priorities") in listing.content.decode()  # the "Priorities" header button

    found = client.get(url("list_results"), {"q": "vip"})
    assert [segment.key for segment in found.context["object_list"]] == ["vip"]
    drafts = client.get(url("list_results"), {"live": "false"})
    assert [segment.key for segment in drafts.context["object_list"]] == ["vip"]


def test_a_marketer_creates_a_segment_with_a_valid_definition(client, marketer):
    response = client.post(url("add"), form_data(definition=MOBILE_RETURNING))

    assert response.status_code == 302
    segment = Segment.objects.get(key="mobile-returning")
    assert segment.definition == MOBILE_RETURNING
    assert not segment.live and segment.latest_revision.content["definition"] == MOBILE_RETURNING
    assert segment.created_by == marketer and segment.updated_by == marketer
    assert log_actions(segment) == ["wagtail.create", LOG_RULES]


@pytest.mark.parametrize(
    ("definition", "error"),
    [
        (
            {"all": [{"attribute": "device", "operator": "equals", "value": "mobile"},
                     {"attribute": "visit_count", "operator": "between", "value": [1]}]},
            "Condition 2: &#x27;between&#x27; needs two numbers",
        ),
        (
            {"all": [{"attribute": "visit_count", "operator": "gte", "value": "two"}]},
            "Condition 1: &#x27;gte&#x27; needs a number, got &#x27;two&#x27;",
        ),
        (
            {"any": [{"attribute": "devce", "operator": "equals", "value": "mobile"}]},
            "Condition 1: unknown attribute",
        ),
        ('{"all": [', "Enter a valid JSON."),
        # Python's decoder raises RecursionError and its int-string limit a plain ValueError: not 500s.
        ('{"all": ' + "[" * 5000 + "]" * 5000 + "}", "The JSON is nested more than 64 levels deep."),
        ('{"all": ' + "[" * 70 + "]" * 70 + "}", "The JSON is nested more than 64 levels deep."),
        ('{"all": [{"attribute": "visit_count", "operator": "gte", "value": %s}]}' % ("9" * 5000),
         "The JSON has a number with too many digits."),
    ],
)
def test_an_invalid_definition_is_a_form_error_naming_the_condition(client, marketer, definition, error):
    response = client.post(url("add"), form_data(definition=definition, action="action-publish"))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert response.context["form"].errors["definition"]
    assert not any("[" in message and "]." in message for message in response.context["form"].errors["definition"])
    assert not Segment.objects.exists()


def test_a_marketer_publishes_and_the_rules_change_is_announced(
    client, marketer, django_capture_on_commit_callbacks
):
    before = ruleset_cache.ruleset_stamp()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("add"), form_data(definition=MOBILE_RETURNING, action="action-publish"))

    assert response.status_code == 302
    segment = Segment.objects.get(key="mobile-returning")
    assert segment.live and segment.live_revision is not None
    assert ruleset_cache.ruleset_stamp() != before
    assert "mobile-returning" in ruleset_cache.current_rules().ruleset.keys
    assert log_actions(segment) == ["wagtail.create", "wagtail.publish", LOG_RULES]


def test_revisions_compare_and_revert_with_every_change_in_the_audit_log(client, marketer):
    client.post(url("add"), form_data(definition=MOBILE_RETURNING, action="action-publish"))
    segment = Segment.objects.get(key="mobile-returning")
    first = segment.latest_revision
    wider = {"any": [{"attribute": "device", "operator": "in", "value": ["mobile", "tablet"]}]}
    edited = client.post(url("edit", segment.pk), form_data(definition=wider, action="action-publish"))
    assert edited.status_code == 302
    segment.refresh_from_db()
    assert segment.definition == wider and segment.revisions.count() == 2

    compare = client.get(url("revisions_compare", segment.pk, first.pk, segment.latest_revision_id))
    assert compare.status_code == 200
    assert "tablet" in compare.content.decode()  # the diff shows the changed conditions
    assert client.get(url("revisions_revert", segment.pk, first.pk)).status_code == 200
    reverted = client.post(
        url("revisions_revert", segment.pk, first.pk),
        form_data(definition=MOBILE_RETURNING, action="action-publish"),
    )
    assert reverted.status_code == 302
    segment.refresh_from_db()
    assert segment.definition == MOBILE_RETURNING
    assert log_actions(segment) == ["wagtail.create", "wagtail.publish", LOG_RULES, "wagtail.edit",
                                    "wagtail.publish", LOG_RULES, "wagtail.revert", "wagtail.publish", LOG_RULES]
    assert client.get(url("history", segment.pk)).status_code == 200


def test_scheduling_publishes_later_and_locking_holds(client, marketer):
    go_live = (datetime.now(timezone.utc) + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    scheduled = form_data(definition=MOBILE_RETURNING, action="action-publish", go_live_at=go_live)
    response = client.post(url("add"), scheduled)
    assert response.status_code == 302
    segment = Segment.objects.get(key="mobile-returning")
    assert not segment.live  # a campaign: it goes live on its date
    assert Revision.objects.filter(pk=segment.latest_revision_id, approved_go_live_at__isnull=False).exists()

    assert client.post(url("lock", segment.pk)).status_code == 302
    segment.refresh_from_db()
    assert segment.locked and segment.locked_by == marketer
    assert "wagtail.lock" in log_actions(segment)


def test_a_segment_goes_through_the_cco_workflow_when_one_is_assigned(client, marketer):
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    segment_type = ContentType.objects.get_for_model(Segment)
    WorkflowContentType.objects.create(workflow=workflow, content_type=segment_type)  # Settings → Workflows
    client.post(url("add"), form_data(definition=MOBILE_RETURNING))
    segment = Segment.objects.get(key="mobile-returning")

    submitted = form_data(definition=MOBILE_RETURNING, action="action-submit")
    response = client.post(url("edit", segment.pk), submitted)

    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.workflow_in_progress and not segment.live
    assert segment.current_workflow_state.workflow == workflow
    assert "wagtail.workflow.start" in log_actions(segment)

    cco = Client()
    cco.force_login(UserFactory(username="cco", role=CHIEF_CONTENT_OFFICER))
    task_state = TaskState.objects.get(status=TaskState.STATUS_IN_PROGRESS)
    approved = cco.post(url("workflow_action", segment.pk, "approve", task_state.pk), {"comment": ""})
    assert approved.status_code in (200, 302)
    segment.refresh_from_db()
    assert segment.live and not segment.workflow_in_progress


# --- roles --------------------------------------------------------------------------------


def test_an_editor_cannot_reach_the_segment_admin(client):
    client.force_login(UserFactory(username="editor", role=EDITORS))
    segment = SegmentFactory(key="mobile", priority=10, definition=MOBILE_RETURNING)

    for path in (url("list"), url("add"), url("edit", segment.pk), url("priorities")):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"), path
    assert trial(client, definition=MOBILE_RETURNING).status_code == 403
    assert client.post(url("toggle", segment.pk), {"enabled": "0"}).status_code == 302
    segment.refresh_from_db()
    assert segment.enabled


def test_the_cco_can_publish_a_marketers_draft(client, marketer):
    client.post(url("add"), form_data(definition=MOBILE_RETURNING))
    segment = Segment.objects.get(key="mobile-returning")
    cco = Client()
    cco.force_login(UserFactory(username="cco", role=CHIEF_CONTENT_OFFICER))

    published = form_data(definition=MOBILE_RETURNING, action="action-publish")
    response = cco.post(url("edit", segment.pk), published)

    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.live and segment.live_revision.user.username == "cco"


def test_a_marketer_manages_trait_definitions(client, marketer):
    add = reverse("wagtailsnippets_personalization_traitdefinition:add")
    trait = {"name": "tier", "type": "choice", "description": "CRM tier", "choices": '["gold", "silver"]', "category": "crm"}
    response = client.post(add, trait)

    assert response.status_code == 302
    assert TraitDefinition.objects.get(name="tier").choices == ["gold", "silver"]
    assert client.get(reverse("wagtailsnippets_personalization_traitdefinition:list")).status_code == 200


@pytest.mark.parametrize(
    ("choices", "error"),
    [
        ("[" * 5000 + "]" * 5000, "The JSON is nested more than 64 levels deep."),
        ("[%s]" % ("9" * 5000), "The JSON has a number with too many digits."),
    ],
)
def test_trait_choices_that_python_cannot_decode_are_a_form_error(client, marketer, choices, error):
    add = reverse("wagtailsnippets_personalization_traitdefinition:add")
    response = client.post(add, {"name": "tier", "type": "choice", "description": "", "choices": choices, "category": "crm"})

    assert response.status_code == 200
    assert response.context["form"].errors["choices"] == [error]
    assert not TraitDefinition.objects.filter(name="tier").exists()


# --- the trial endpoint -------------------------------------------------------------------


@pytest.fixture
def profiles():
    """Five stored profiles: three returning with consent, one without consent, one new."""
    stored = [(2, ["behaviour"]), (5, ["behaviour", "crm"]), (9, ["behaviour"]), (7, []), (1, ["behaviour"])]
    newest = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for index, (visits, consent) in enumerate(stored):
        last_seen = newest - timedelta(days=index)
        VisitorProfile.objects.create(visitor_id=f"v{index}", visit_count=visits, consent=consent, last_seen=last_seen)


def test_the_trial_decides_for_the_sample_explains_and_estimates_the_reach(client, marketer, profiles):
    response = trial(client, definition=MOBILE_RETURNING, sample=SAMPLE, key="mobile-returning")

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] and body["issues"] == []
    assert body["decision"]["matched"] is True and body["decision"]["reason"] == "match"
    conditions = body["decision"]["conditions"]
    assert [(c["path"], c["attribute"], c["actual"], c["result"]) for c in conditions] == [
        ("all[0]", "device", "mobile", True),
        ("all[1]", "visit_count", 3, True),
    ]
    # arriving on mobile, the three returning profiles with consent match;
    # not the one without consent, nor the new one
    assert body["reach"] == {"matched": 3, "sampled": 5, "total": 5, "estimate": 3, "label": "3 of 5 profiles"}
    assert not Segment.objects.exists()  # nothing saved


def test_the_trial_says_when_consent_blocks_a_condition(client, marketer, profiles):
    body = trial(client, definition=MOBILE_RETURNING, sample={**SAMPLE, "consent": []}).json()

    assert body["decision"]["matched"] is False and body["decision"]["reason"] == "no_consent"
    visit_count = body["decision"]["conditions"][-1]
    assert visit_count["attribute"] == "visit_count" and visit_count["blocked"] is True


def test_the_reach_is_an_estimate_beyond_the_sample_cap(client, marketer, profiles, monkeypatch):
    monkeypatch.setattr(selectors, "REACH_SAMPLE", 2)

    reach = trial(client, definition=MOBILE_RETURNING, sample=SAMPLE).json()["reach"]

    # the two most recently seen (v0, v1) both match: 2 of 2 sampled, scaled to 5
    assert reach == {"matched": 2, "sampled": 2, "total": 5, "estimate": 5, "label": "≈ 5 of 5 profiles"}


def test_the_trial_uses_other_live_segments_and_reports_issues_by_condition(client, marketer):
    SegmentFactory(key="mobile", priority=10, definition={"attribute": "device", "operator": "equals", "value": "mobile"})
    uses_mobile = {"all": [{"attribute": "segment", "operator": "member_of", "value": "mobile"}]}

    body = trial(client, definition=uses_mobile, sample=SAMPLE, key="mobile-fans").json()
    assert body["decision"]["matched"] is True and body["decision"]["uses_segments"] == ["mobile"]

    bad = {"all": [{"attribute": "visit_count", "operator": "gte", "value": "two"},
                   {"attribute": "segment", "operator": "member_of", "value": "mobil"}]}
    body = trial(client, definition=bad, sample=SAMPLE).json()
    assert body == {"valid": False, "decision": None, "reach": None, "issues": [
        {"path": "all[0].value", "code": "invalid_value", "message": "'gte' needs a number, got 'two'",
         "text": "Condition 1: 'gte' needs a number, got 'two'"},
        {"path": "all[1].value", "code": "unknown_segment", "message": "unknown segment 'mobil' — did you mean 'mobile'?",
         "text": "Condition 2: unknown segment 'mobil' — did you mean 'mobile'?"},
    ]}
    # without a sample, only validation: what the builder asks while the marketer types
    valid = {"valid": True, "issues": [], "decision": None, "reach": None}
    assert trial(client, definition=MOBILE_RETURNING).json() == valid


def test_a_value_outside_a_list_trait_s_values_is_an_issue_in_the_trial_and_on_save(client, marketer):
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold", "silver"])
    definition = {"any": [{"attribute": "trait.tier", "operator": "in", "value": ["Gold", "platnum"]},
                          {"attribute": "trait.tier", "operator": "equals", "value": "silver"}]}
    assert trial(client, definition=definition).json()["issues"] == [
        {"path": "any[0].value[1]", "code": "not_a_trait_choice",
         "message": "'platnum' is not a value of trait.tier (gold, silver)",
         "text": "Condition 1: 'platnum' is not a value of trait.tier (gold, silver)"},
    ]
    segment = Segment(key="big", name="Big", priority=1, definition=definition)
    with pytest.raises(ValidationError) as raised:
        segment.full_clean()
    assert raised.value.message_dict["definition"] == ["Condition 1: 'platnum' is not a value of trait.tier (gold, silver)"]
    definition["any"][0]["value"] = ["Gold"]  # values compare case-insensitively, as rules do
    assert trial(client, definition=definition).json()["valid"] is True


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"sample": SAMPLE}, 400),
        ({"definition": MOBILE_RETURNING, "sample": ["web"]}, 400),
        ({"definition": MOBILE_RETURNING, "sample": {"channel": "web", "now": "yesterday"}}, 400),
        ({"definition": MOBILE_RETURNING, "sample": {"channel": "web", "colour": "blue"}}, 400),
    ],
)
def test_the_trial_rejects_unusable_requests(client, marketer, body, status):
    response = trial(client, **body)

    assert response.status_code == status
    assert response.json()["error"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('{"definition": ' + "[" * 5000 + "]" * 5000 + "}", "The JSON is nested more than 64 levels deep."),
        ('{"definition": {"all": []}, "sample": {"ctx": ' + "[" * 100 + "]" * 100 + "}}",
         "The JSON is nested more than 64 levels deep."),
        ('{"definition": {"all": [{"attribute": "visit_count", "operator": "gte", "value": %s}]}}' % ("9" * 5000),
         "The JSON has a number with too many digits."),
        (b'{"definition": "\xff"}', "The JSON is not valid UTF-8."),
        ("[1, 2", "Enter valid JSON (Expecting ',' delimiter at line 1, column 6)."),
    ],
)
def test_the_trial_answers_unreadable_json_with_a_400(client, marketer, body, error):
    response = client.post(url("test"), body, content_type="application/json")

    assert (response.status_code, response.json()) == (400, {"error": error})


@pytest.mark.parametrize("segment_id", ["¹", "9" * 30, 1e300, True, [1]])
def test_the_trial_ignores_a_segment_id_that_cannot_be_one(client, marketer, segment_id):
    body = '{"definition": {"all": []}, "segment_id": %s}' % ("1e400" if segment_id == 1e300 else json.dumps(segment_id))

    response = client.post(url("test"), body, content_type="application/json")

    assert response.status_code == 200 and response.json()["valid"] is True


def test_the_trial_is_csrf_protected(marketer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(marketer)
    payload = json.dumps({"definition": MOBILE_RETURNING})

    assert browser.post(url("test"), payload, content_type="application/json").status_code == 403
    browser.get(url("add"))  # sets the CSRF cookie, as opening the editor does
    token = browser.cookies["csrftoken"].value
    allowed = browser.post(url("test"), payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code == 200


# --- priorities and the on/off switch -----------------------------------------------------


def test_reordering_renumbers_in_one_go_logs_and_announces(
    client, marketer, django_capture_on_commit_callbacks
):
    a, b, c = (
        SegmentFactory(key=key, priority=priority, definition=MOBILE_RETURNING)
        for key, priority in (("a", 100), ("b", 50), ("c", 70))
    )
    draft = SegmentFactory(key="draft", name="Draft", priority=5, definition=MOBILE_RETURNING, live=False)
    page = client.get(url("priorities"))
    assert [s.key for s in page.context["segments"]] == ["b", "c", "a"]  # live ones only, by priority

    before = ruleset_cache.ruleset_stamp()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("priorities"), {"order": [c.pk, a.pk, b.pk]})

    assert response.status_code == 302
    assert dict(Segment.objects.values_list("key", "priority")) == {"c": 10, "a": 20, "b": 30, "draft": 5}
    assert ruleset_cache.ruleset_stamp() != before
    assert ruleset_cache.current_rules().ruleset.keys == ("c", "a", "b")
    entries = ModelLogEntry.objects.filter(action=LOG_PRIORITY).order_by("pk")
    assert [(e.object_id, e.data, e.user_id) for e in entries] == [
        (str(c.pk), {"from": 70, "to": 10}, marketer.pk),
        (str(a.pk), {"from": 100, "to": 20}, marketer.pk),
        (str(b.pk), {"from": 50, "to": 30}, marketer.pk),
    ]
    history = client.get(url("history_results", c.pk)).content.decode()
    assert "Priority changed from 70 to 10" in history
    assert draft.priority == 5


def test_a_pending_draft_does_not_undo_a_reorder(client, marketer):
    a, b = (
        SegmentFactory(key=key, priority=priority, definition=MOBILE_RETURNING)
        for key, priority in (("a", 10), ("b", 20))
    )
    a.name = "A, renamed in a draft"
    a.save_revision(user=marketer)

    client.post(url("priorities"), {"order": [b.pk, a.pk]})
    a.refresh_from_db()
    a.latest_revision.publish()

    a.refresh_from_db()
    assert (a.name, a.priority) == ("A, renamed in a draft", 20)


def test_reordering_rewrites_no_stored_revision_and_a_revert_keeps_the_live_priority(client, marketer):
    a, b = (
        SegmentFactory(key=key, priority=priority, definition=MOBILE_RETURNING)
        for key, priority in (("a", 10), ("b", 20))
    )
    first = a.latest_revision
    stored = {pk: dict(content) for pk, content in Revision.objects.values_list("pk", "content")}

    client.post(url("priorities"), {"order": [b.pk, a.pk]})

    assert {pk: dict(content) for pk, content in Revision.objects.values_list("pk", "content")} == stored
    a.refresh_from_db()
    first.refresh_from_db()
    first.publish()  # as a revert publishes an old revision
    a.refresh_from_db()
    assert a.priority == 20
    # the editor shows a live segment's priority read-only: the priority list changes it
    form = client.get(url("edit", a.pk)).context["form"]
    assert form.fields["priority"].disabled and form.initial["priority"] == 20


def test_move_buttons_work_without_javascript(client, marketer):
    a, b, c = (
        SegmentFactory(key=key, priority=priority, definition=MOBILE_RETURNING)
        for key, priority in (("a", 10), ("b", 20), ("c", 30))
    )

    client.post(url("priorities"), {"order": [a.pk, b.pk, c.pk], "move": f"{c.pk}:up"})

    assert dict(Segment.objects.values_list("key", "priority")) == {"a": 10, "c": 20, "b": 30}


@pytest.mark.parametrize("bad", ["¹", "9" * 30, str(2**63), "-1", ""])
def test_a_move_or_order_entry_that_cannot_be_an_id_is_ignored(client, marketer, bad):
    a, b = (
        SegmentFactory(key=key, priority=priority, definition=MOBILE_RETURNING)
        for key, priority in (("a", 10), ("b", 20))
    )

    response = client.post(url("priorities"), {"order": [a.pk, b.pk, bad], "move": f"{bad}:up"})

    assert response.status_code == 302
    assert dict(Segment.objects.values_list("key", "priority")) == {"a": 10, "b": 20}


def test_a_stale_order_is_refused(client, marketer):
    a, b = (
        SegmentFactory(key=key, priority=priority, definition=MOBILE_RETURNING)
        for key, priority in (("a", 10), ("b", 20))
    )

    response = client.post(url("priorities"), {"order": [b.pk]}, follow=True)

    assert "changed meanwhile" in response.content.decode()
    assert dict(Segment.objects.values_list("key", "priority")) == {"a": 10, "b": 20}


def test_switching_off_from_the_list_logs_and_leaves_the_segment_out(
    client, marketer, django_capture_on_commit_callbacks
):
    segment = SegmentFactory(key="mobile", priority=10, definition=MOBILE_RETURNING)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("toggle", segment.pk), {"enabled": "0"})

    assert response.status_code == 302
    segment.refresh_from_db()
    assert not segment.enabled
    # the stored revision keeps its own value; as an object, the live segment's switch wins
    assert segment.live_revision.content["enabled"] is True
    assert segment.live_revision.as_object().enabled is False
    assert log_actions(segment)[-1] == LOG_DISABLED
    decision = ruleset_cache.current_rules().ruleset.evaluate(selectors._sample_context(SAMPLE))
    assert decision.reason("mobile").value == "disabled"
