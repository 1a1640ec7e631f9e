"""Personalised delivery end to end through the API: variants, explanations, caching, decide."""

import json
from datetime import datetime, timezone

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from personalization.models import Placement
from personalization.profiles import profile_load, profile_upsert, visits_flush
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory
from tests.factories.personalised import heading, personalised_block

pytestmark = pytest.mark.django_db

MOBILE_RETURNING = {"all": [
    {"attribute": "device", "operator": "equals", "value": "mobile"},
    {"attribute": "visit_count", "operator": "gte", "value": 2},
]}
FIRST_VISIT = {"attribute": "first_visit", "operator": "equals", "value": True}


@pytest.fixture
def hub(home, django_capture_on_commit_callbacks):
    web, mobile = ChannelFactory(slug="web"), ChannelFactory(slug="mobile")
    with django_capture_on_commit_callbacks(execute=True):
        returning = SegmentFactory(key="mobile-returning", priority=10, definition=MOBILE_RETURNING)
        newcomer = SegmentFactory(key="first-visit", priority=20, definition=FIRST_VISIT)
    landing = LandingPageFactory(parent=home, title="Spring offer", body=[
        personalised_block("hero", "Default offer", [
            ([returning], [], "Welcome back"),
            ([newcomer], ["web", "mobile"], "Hello newcomer"),
        ]),
    ])
    plain = LandingPageFactory(parent=home, title="Plain", body=[heading("Same for all")])
    profile_upsert(visitor_id="v-returning", consent=["behaviour"], now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    from personalization.models import VisitorProfile

    VisitorProfile.objects.filter(visitor_id="v-returning").update(visit_count=3)
    keys = {
        slug: api_key_create(channel=channel, name=slug, scopes=["delivery"])[1]
        for slug, channel in (("web", web), ("mobile", mobile))
    }
    return {"landing": landing, "plain": plain, "keys": keys, "returning": returning, "newcomer": newcomer}


def get(hub, path, channel="web", **headers):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {hub['keys'][channel]}", **headers)


def hero(response) -> str:
    block = response.json()["body"][0]["value"]
    return block["content"][0]["value"]


def test_two_contexts_get_two_variants_of_the_same_page(hub):
    path = f"/api/v2/pages/{hub['landing'].pk}/"
    mobile_returning = get(hub, f"{path}?device=mobile", "mobile", HTTP_X_VISITOR_ID="v-returning")
    web_first = get(hub, path, "web", HTTP_X_VISITOR_ID="v-new", HTTP_X_CONSENT="behaviour")
    assert hero(mobile_returning) == "Welcome back"
    assert hero(web_first) == "Hello newcomer"
    meta = mobile_returning.json()["meta"]["personalization"]
    assert meta["segments"] == ["mobile-returning"]
    assert meta["blocks"]["hero"] == {"variants": ["v1"], "reason": "segment", "segments": ["mobile-returning"]}
    assert set(meta["referenced_segments"]) == {"mobile-returning", "first-visit"}


def test_a_block_in_all_mode_serves_every_matching_variant_best_first(hub, home):
    page = LandingPageFactory(parent=home, title="Stacked", body=[
        personalised_block("offers", "Default offer", [
            ([], [], "For anyone"),
            ([hub["returning"]], [], "Welcome back"),
            ([hub["newcomer"]], [], "Hello newcomer"),
        ], mode="all"),
    ])
    response = get(hub, f"/api/v2/pages/{page.pk}/?device=mobile", "mobile", HTTP_X_VISITOR_ID="v-returning")
    block = response.json()["body"][0]["value"]
    assert [item["value"] for item in block["content"]] == ["Welcome back", "For anyone"]
    slot = response.json()["meta"]["personalization"]["blocks"]["offers"]
    assert slot == {"variants": ["v2", "v1"], "reason": "segment", "segments": ["mobile-returning", None]}


def test_without_consent_behaviour_rules_do_not_match_and_the_default_is_served(hub):
    response = get(hub, f"/api/v2/pages/{hub['landing'].pk}/?device=mobile", "mobile", HTTP_X_VISITOR_ID="v-new", HTTP_X_CONSENT="")
    assert hero(response) == "Default offer"


def test_explain_names_the_deciding_conditions_and_is_never_cached(hub):
    response = get(hub, f"/api/v2/pages/{hub['landing'].pk}/?device=mobile&explain=1", "mobile", HTTP_X_VISITOR_ID="v-returning")
    assert response["Cache-Control"] == "private, no-store"
    explain = {item["key"]: item for item in response.json()["meta"]["personalization"]["explain"]}
    conditions = explain["mobile-returning"]["conditions"]
    assert [(c["attribute"], c["result"]) for c in conditions] == [("device", True), ("visit_count", True)]
    assert explain["first-visit"]["reason"] == "no_match"


def test_a_published_segment_change_reaches_the_next_response_without_restart(hub, django_capture_on_commit_callbacks):
    path = f"/api/v2/pages/{hub['landing'].pk}/?device=tablet"
    assert hero(get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-returning")) == "Default offer"
    segment = hub["returning"]
    segment.definition = {"attribute": "device", "operator": "in", "value": ["mobile", "tablet"]}
    with django_capture_on_commit_callbacks(execute=True):
        segment.save_revision().publish()
    assert hero(get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-returning")) == "Welcome back"


def test_a_draft_segment_change_changes_nothing(hub, django_capture_on_commit_callbacks):
    path = f"/api/v2/pages/{hub['landing'].pk}/?device=tablet"
    segment = hub["returning"]
    segment.definition = {"attribute": "device", "operator": "equals", "value": "tablet"}
    with django_capture_on_commit_callbacks(execute=True):
        segment.save_revision()
    assert hero(get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-returning")) == "Default offer"


def test_shared_caches_cannot_mix_variants_and_untouched_pages_have_one_body(hub):
    path = f"/api/v2/pages/{hub['landing'].pk}/?device=mobile"
    returning = get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-returning")
    newcomer = get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-new", HTTP_X_CONSENT="behaviour")
    assert hero(returning) != hero(newcomer)
    assert returning["ETag"] != newcomer["ETag"]
    assert returning["Tailor-Segments-Digest"] != newcomer["Tailor-Segments-Digest"]
    assert returning["Cache-Control"].startswith("private")
    plain = f"/api/v2/pages/{hub['plain'].pk}/"
    first = get(hub, f"{plain}?device=mobile", "mobile", HTTP_X_VISITOR_ID="v-returning")
    second = get(hub, plain, "mobile", HTTP_X_VISITOR_ID="v-new", HTTP_X_CONSENT="behaviour")
    assert first["ETag"] == second["ETag"]
    assert "private" not in first["Cache-Control"]
    assert first.json()["meta"]["personalization"]["referenced_segments"] == []


def test_context_parameters_never_split_the_cache_of_an_untouched_page(hub):
    plain = f"/api/v2/pages/{hub['plain'].pk}/"
    etags = {get(hub, f"{plain}?utm_source={n}&ctx.tier=gold{n}", "web")["ETag"] for n in range(5)}
    assert len(etags) == 1


def test_a_cached_personalised_response_costs_no_query(hub, django_assert_num_queries):
    path = f"/api/v2/pages/{hub['landing'].pk}/?device=mobile"
    get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-returning")
    with django_assert_num_queries(0):
        assert hero(get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-returning")) == "Welcome back"


@pytest.mark.parametrize("tz", ["Mars/Olympus", "America"])  # America: a directory of the zone database
def test_a_bad_time_zone_is_a_400_naming_the_parameter(hub, tz):
    response = get(hub, f"/api/v2/pages/{hub['landing'].pk}/?tz={tz}", "web")
    assert response.status_code == 400
    assert response.json()["parameter"] == "tz"


@pytest.fixture
def placement(hub):
    placement = Placement.objects.create(key="home-hero", name="Home hero", default=[("heading", "Everyone")])
    variants = Placement.variants.field.stream_block.to_python([
        {"type": "variant", "id": "a", "value": {"segments": [{"type": "item", "id": "s", "value": hub["returning"].pk}],
                                              "channels": [], "content": [heading("Returning on mobile")]}},
    ])
    placement.variants = variants
    placement.save()
    return placement


def decide(hub, body, channel="mobile", content_type="application/json"):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Client().post("/api/v2/personalize/decide/", raw, content_type=content_type,
                         HTTP_AUTHORIZATION=f"Bearer {hub['keys'][channel]}")


def test_decide_fills_placements_for_a_context_in_one_round_trip(hub, placement):
    chosen = decide(hub, {"context": {"visitor_id": "v-returning", "device": "mobile"}, "placements": ["home-hero", "nope"]})
    assert chosen.status_code == 200, chosen.content
    body = chosen.json()
    assert body["placements"]["home-hero"]["content"][0]["value"] == "Returning on mobile"
    assert body["segments"] == ["mobile-returning"]
    assert body["unknown_placements"] == ["nope"]
    default = decide(hub, {"context": {"device": "desktop"}, "placements": ["home-hero"]}).json()
    assert default["placements"]["home-hero"]["content"][0]["value"] == "Everyone"
    assert default["placements"]["home-hero"]["reason"] == "default"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ({"placements": []}, "application/json", 422),
        ({"placements": ["x"], "context": {"utm": "notadict"}}, "application/json", 422),
        ("placements=x", "text/plain", 415),
        ({"placements": ["x"], "context": {"ctx": {"big": "y" * 70_000}}}, "application/json", 413),
    ],
)
def test_decide_rejects_bad_requests_with_problem_details(hub, body, content_type, status):
    response = decide(hub, body, content_type=content_type)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["message"]


def test_decide_names_the_context_field_at_fault(hub):
    response = decide(hub, {"context": {"timezone": "America"}, "placements": ["home-hero"]})
    assert (response.status_code, response.json()["parameter"]) == (422, "context.timezone")


def test_a_page_variant_serves_another_page_to_a_segment(hub, home, django_capture_on_commit_callbacks):
    from personalization.models import PageVariant

    alternative = LandingPageFactory(parent=home, title="Spring for returning mobile visitors", body=[heading("Alt")])
    with django_capture_on_commit_callbacks(execute=True):
        page = hub["plain"]
        page.segment_variants = [PageVariant(segment=hub["returning"], alternative=alternative)]
        page.save_revision().publish()
    path = f"/api/v2/pages/{page.pk}/?device=mobile"
    returning = get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-returning").json()
    assert returning["id"] == alternative.pk
    assert returning["meta"]["personalization"]["page_variant"] == {"requested": page.pk, "served": alternative.pk}
    assert returning["meta"]["personalization"]["segments"] == ["mobile-returning"]
    others = get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-new", HTTP_X_CONSENT="behaviour").json()
    assert others["id"] == page.pk


def test_a_simulation_token_previews_a_segment_only_with_a_preview_key(hub, settings):
    from personalization.simulation import simulation_token

    preview_key = api_key_create(channel=ChannelFactory(slug="web"), name="p", scopes=["delivery", "preview"])[1]
    token = simulation_token(segments=["mobile-returning"], device="mobile")
    path = f"/api/v2/pages/{hub['landing'].pk}/?simulate={token}"
    simulated = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {preview_key}")
    assert simulated.status_code == 200, simulated.content
    assert hero(simulated) == "Welcome back"
    assert simulated["Cache-Control"] == "private, no-store"
    assert get(hub, path, "web").status_code == 403
    forged = Client().get(path[:-3] + "abc", HTTP_AUTHORIZATION=f"Bearer {preview_key}")
    assert forged.status_code == 400 and forged.json()["parameter"] == "simulate"


def test_a_simulation_token_is_refused_with_a_preview_key_of_another_channel(hub):
    from personalization.simulation import simulation_token

    web_preview = api_key_create(channel=ChannelFactory(slug="web"), name="p", scopes=["delivery", "preview"])[1]
    token = simulation_token(channel="mobile", segments=["mobile-returning"])
    path = f"/api/v2/pages/{hub['landing'].pk}/?simulate={token}"
    refused = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {web_preview}")
    assert refused.status_code == 400
    assert refused.json()["parameter"] == "simulate" and "mobile" in refused.json()["message"]
    mobile_preview = api_key_create(channel=ChannelFactory(slug="mobile"), name="p", scopes=["delivery", "preview"])[1]
    assert hero(Client().get(path, HTTP_AUTHORIZATION=f"Bearer {mobile_preview}")) == "Welcome back"


def test_a_simulated_moment_decides_time_rules(hub, django_capture_on_commit_callbacks):
    from personalization.simulation import simulation_token

    with django_capture_on_commit_callbacks(execute=True):
        segment = hub["newcomer"]
        segment.definition = {"attribute": "day_of_week", "operator": "day_of_week_in", "value": ["sat"], "timezone": "Europe/London"}
        segment.save_revision().publish()
    preview_key = api_key_create(channel=ChannelFactory(slug="web"), name="p", scopes=["delivery", "preview"])[1]
    saturday = simulation_token(now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    monday = simulation_token(now=datetime(2026, 11, 30, 12, tzinfo=timezone.utc))
    path = f"/api/v2/pages/{hub['landing'].pk}/?simulate="
    assert hero(Client().get(path + saturday, HTTP_AUTHORIZATION=f"Bearer {preview_key}")) == "Hello newcomer"
    assert hero(Client().get(path + monday, HTTP_AUTHORIZATION=f"Bearer {preview_key}")) == "Default offer"


def test_publishing_a_segment_records_a_rules_changed_webhook_event(hub, django_capture_on_commit_callbacks):
    from cms.models import OutboxJob, Webhook

    Webhook.objects.create(name="frontend", url="http://127.0.0.1:9/hook", secret="s", events=["rules.changed"])
    segment = hub["returning"]
    segment.priority = 11
    segment.save_revision().publish()
    job = OutboxJob.objects.filter(handler__endswith="webhook_deliver").latest("id")
    assert job.kwargs["payload"]["event"] == "rules.changed"


def test_a_consenting_visitor_s_page_views_reach_the_profile_that_rules_read(hub, django_capture_on_commit_callbacks):
    plain, landing = hub["plain"], hub["landing"]
    get(hub, f"/api/v2/pages/{plain.pk}/", HTTP_X_VISITOR_ID="reader", HTTP_X_CONSENT="behaviour")
    get(hub, f"/api/v2/pages/{landing.pk}/", HTTP_X_VISITOR_ID="reader", HTTP_X_CONSENT="behaviour")
    get(hub, f"/api/v2/pages/{plain.pk}/", HTTP_X_VISITOR_ID="no-consent")
    get(hub, f"/api/v2/pages/{plain.pk}/", HTTP_X_VISITOR_ID="no-consent", HTTP_X_CONSENT="crm")
    with django_capture_on_commit_callbacks(execute=True):
        visits_flush()
    profile = profile_load("reader")
    assert profile.pages_visited == {plain.url, landing.url}
    assert profile.content_types_visited == {"cms.landingpage"}
    assert profile.visit_count == 1  # two pages, one visit
    assert profile_load("no-consent").pages_visited == frozenset()


def test_a_listing_reports_its_decision_and_explains_only_uncached(hub):
    path = "/api/v2/pages/?type=cms.LandingPage&fields=body"
    listing = get(hub, path, "mobile", HTTP_X_VISITOR_ID="v-returning", HTTP_X_DEVICE="mobile")
    meta = listing.json()["meta"]["personalization"]
    assert meta["segments"] == ["mobile-returning"]
    assert meta["blocks"]["hero"]["segments"] == ["mobile-returning"]
    assert listing["Tailor-Segments-Digest"] == meta["digest"]
    explained = get(hub, f"{path}&explain=1", "mobile", HTTP_X_VISITOR_ID="v-returning", HTTP_X_DEVICE="mobile")
    assert {trace["key"] for trace in explained.json()["meta"]["personalization"]["explain"]} >= {"mobile-returning"}
    assert explained["Cache-Control"] == "private, no-store"
