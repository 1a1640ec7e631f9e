"""Experiments in delivery: the visitor's arm in content, meta, decide and explain; the cache contract;
holdouts; only running experiments assign."""

from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from personalization.engine import ExperimentSpec, assign, in_global_holdout
from personalization.models import Placement
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory
from tests.factories.experiments import experiment_create
from tests.factories.personalised import personalised_block

pytestmark = pytest.mark.django_db

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}
SPEC = ExperimentSpec(key="hero-test", arms=(("control", 50.0), ("b", 50.0)), control="control")


@pytest.fixture
def hub(home, django_capture_on_commit_callbacks):
    web = ChannelFactory(slug="web")
    with django_capture_on_commit_callbacks(execute=True):
        mobile = SegmentFactory(key="mobile", priority=10, definition=MOBILE)
    landing = LandingPageFactory(parent=home, title="Spring offer", body=[
        personalised_block("hero", "Default offer", [([mobile], [], "Mobile offer"), ([], [], "Bold offer")]),
    ])
    other = LandingPageFactory(parent=home, title="Other", body=[
        personalised_block("hero", "Other default", [([mobile], [], "Other mobile")]),
    ])
    key = api_key_create(channel=web, name="web", scopes=["delivery"])[1]
    return {"landing": landing, "other": other, "key": key, "mobile": mobile}


def launch(hub, django_capture_on_commit_callbacks, **fields):
    fields.setdefault("arms", (("control", None, 50), ("b", 2, 50)))
    with django_capture_on_commit_callbacks(execute=True):
        return experiment_create(page=hub["landing"], **fields)


def get(hub, page, visitor=None, query="", **headers):
    if visitor:
        headers["HTTP_X_VISITOR_ID"] = visitor
    return Client().get(f"/api/v2/pages/{page.pk}/{query}", HTTP_AUTHORIZATION=f"Bearer {hub['key']}", **headers)


def hero(response) -> str:
    return response.json()["body"][0]["value"]["content"][0]["value"]


def visitors_in(arm: str, count: int = 2, spec: ExperimentSpec = SPEC) -> list[str]:
    return [v for v in (f"visitor-{n}" for n in range(1000)) if assign(spec, v, ()).arm == arm][:count]


def test_each_arm_gets_its_content_and_the_arm_is_in_meta(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks)
    control, b = visitors_in("control", 1)[0], visitors_in("b", 1)[0]

    served_b = get(hub, hub["landing"], b)
    served_control = get(hub, hub["landing"], control)

    assert hero(served_b) == "Bold offer"
    assert hero(served_control) == "Default offer"
    meta = served_b.json()["meta"]["personalization"]
    assert meta["experiments"] == {"hero-test": {"arm": "b", "reason": "arm"}}
    assert meta["blocks"]["hero"] == {
        "variants": ["v2"], "reason": "experiment", "segments": [None], "experiment": "hero-test", "arm": "b",
    }
    assert served_control.json()["meta"]["personalization"]["experiments"]["hero-test"]["arm"] == "control"


def test_the_arm_is_sticky_for_a_visitor_across_requests(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks)
    visitor = visitors_in("b", 1)[0]
    assert {hero(get(hub, hub["landing"], visitor)) for _ in range(3)} == {"Bold offer"}


def test_no_cached_body_is_shared_between_arms(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks)
    control, b = visitors_in("control", 2), visitors_in("b", 2)
    responses = {visitor: get(hub, hub["landing"], visitor) for visitor in [*control, *b]}
    digests = {visitor: response["Tailor-Segments-Digest"] for visitor, response in responses.items()}
    etags = {visitor: response["ETag"] for visitor, response in responses.items()}

    # one body per arm: the same arm shares it, the other arm never does
    assert digests[control[0]] == digests[control[1]] and digests[b[0]] == digests[b[1]]
    assert digests[control[0]] != digests[b[0]] and etags[control[0]] != etags[b[0]]
    # a hit of the same arm serves the same body
    again = get(hub, hub["landing"], b[0])
    assert again["ETag"] == etags[b[0]] and hero(again) == "Bold offer"


def test_a_page_without_experiments_keeps_one_body_per_segment_digest(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks)
    # visitors in either arm of the landing page's experiment read the other page alike
    control, b = visitors_in("control", 1)[0], visitors_in("b", 1)[0]
    first, second = get(hub, hub["other"], control), get(hub, hub["other"], b)
    assert first["Tailor-Segments-Digest"] == second["Tailor-Segments-Digest"]
    assert first["ETag"] == second["ETag"]
    assert "experiments" not in first.json()["meta"]["personalization"]


def test_the_experiment_holdout_sees_the_default_content(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks, holdout="0.5", arms=(("control", None, 1), ("b", 2, 1)))
    held = ExperimentSpec(key="hero-test", arms=(("control", 1.0), ("b", 1.0)), control="control", holdout=0.5)
    visitor = next(v for v in (f"visitor-{n}" for n in range(100)) if assign(held, v, ()).arm is None)

    response = get(hub, hub["landing"], visitor)

    assert hero(response) == "Default offer"
    assert response.json()["meta"]["personalization"]["experiments"] == {"hero-test": {"arm": None, "reason": "holdout"}}


def test_the_global_holdout_gets_default_content_everywhere_and_no_arm(hub, django_capture_on_commit_callbacks, settings):
    settings.PERSONALIZATION_GLOBAL_HOLDOUT = 0.5
    launch(hub, django_capture_on_commit_callbacks)
    visitors = [f"visitor-{n}" for n in range(200)]
    held = next(v for v in visitors if in_global_holdout(v, 0.5) and assign(SPEC, v, ()).arm == "b")
    free = next(v for v in visitors if not in_global_holdout(v, 0.5) and assign(SPEC, v, ()).arm == "b")

    landing = get(hub, hub["landing"], held, query="?device=mobile")
    other = get(hub, hub["other"], held, query="?device=mobile")

    assert hero(landing) == "Default offer" and hero(other) == "Other default"
    meta = landing.json()["meta"]["personalization"]
    assert meta["global_holdout"] is True and meta["segments"] == []
    assert meta["experiments"] == {"hero-test": {"arm": None, "reason": "holdout"}}
    assert other.json()["meta"]["personalization"]["global_holdout"] is True
    # the rest are personalised as usual
    assert hero(get(hub, hub["other"], free, query="?device=mobile")) == "Other mobile"
    assert hero(get(hub, hub["landing"], free)) == "Bold offer"


def test_the_audience_decides_with_the_same_decision(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks, audience=[hub["mobile"]])
    visitor = visitors_in("b", 1)[0]

    desktop = get(hub, hub["landing"], visitor, query="?device=desktop")
    mobile = get(hub, hub["landing"], visitor, query="?device=mobile")

    assert desktop.json()["meta"]["personalization"]["experiments"]["hero-test"]["reason"] == "audience"
    assert hero(desktop) == "Bold offer"  # the segments' own choice: the variant for anyone
    assert mobile.json()["meta"]["personalization"]["experiments"]["hero-test"] == {"arm": "b", "reason": "arm"}
    assert hero(mobile) == "Bold offer"


def test_a_draft_experiment_assigns_nobody(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks, live=False)
    control = visitors_in("control", 1)[0]
    response = get(hub, hub["landing"], control)
    assert "experiments" not in response.json()["meta"]["personalization"]
    assert hero(response) == "Bold offer"


def test_a_stopped_or_deleted_experiment_fails_closed(hub, django_capture_on_commit_callbacks):
    experiment = launch(hub, django_capture_on_commit_callbacks)
    control = visitors_in("control", 1)[0]
    assert hero(get(hub, hub["landing"], control)) == "Default offer"

    experiment.status = "stopped"
    with django_capture_on_commit_callbacks(execute=True):
        experiment.save_revision().publish()
    stopped = get(hub, hub["landing"], control)
    assert hero(stopped) == "Bold offer" and "experiments" not in stopped.json()["meta"]["personalization"]

    experiment.status = "running"
    with django_capture_on_commit_callbacks(execute=True):
        experiment.save_revision().publish()
    assert hero(get(hub, hub["landing"], control)) == "Default offer"
    with django_capture_on_commit_callbacks(execute=True):
        experiment.delete()
    assert "experiments" not in get(hub, hub["landing"], control).json()["meta"]["personalization"]


def test_an_experiment_assigns_only_within_its_dates(hub, django_capture_on_commit_callbacks):
    now = datetime.now(timezone.utc)
    launch(hub, django_capture_on_commit_callbacks, ends_at=now - timedelta(minutes=1), starts_at=now - timedelta(days=1))
    ended = get(hub, hub["landing"], visitors_in("control", 1)[0])
    assert ended.json()["meta"]["personalization"]["experiments"] == {"hero-test": {"arm": None, "reason": "inactive"}}
    assert hero(ended) == "Bold offer"


def test_explain_traces_the_experiment(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks, audience=[hub["mobile"]])
    visitor = visitors_in("b", 1)[0]
    response = get(hub, hub["landing"], visitor, query="?device=mobile&explain=1")
    traces = [item for item in response.json()["meta"]["personalization"]["explain"] if "experiment" in item]
    assert traces == [{
        "experiment": "hero-test", "arm": "b", "reason": "arm", "audience": ["mobile"], "holdout": 0.0,
        "global_holdout": False,
    }]


def test_decide_assigns_a_placement_experiment(hub, django_capture_on_commit_callbacks):
    placement = Placement.objects.create(
        key="home-hero", name="Home hero", default=[("heading", "Placement default")],
        variants=[("variant", {"segments": [], "channels": [], "content": [("heading", "Placement B")]})],
    )
    with django_capture_on_commit_callbacks(execute=True):
        experiment_create(key="placement-test", placement=placement, arms=(("control", None, 50), ("b", 1, 50)))
    spec = ExperimentSpec(key="placement-test", arms=(("control", 50.0), ("b", 50.0)), control="control")
    visitor = visitors_in("control", 1, spec)[0]

    response = Client().post(
        "/api/v2/personalize/decide/", {"context": {"visitor_id": visitor}, "placements": ["home-hero"]},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {hub['key']}",
    )

    body = response.json()
    assert body["experiments"] == {"placement-test": {"arm": "control", "reason": "arm"}}
    choice = body["placements"]["home-hero"]
    assert choice["variant"] is None and choice["content"][0]["value"] == "Placement default"


def test_a_page_is_served_as_before_when_no_experiment_exists(hub):
    response = get(hub, hub["landing"], "visitor-1")
    assert "experiments" not in response.json()["meta"]["personalization"]
    assert hero(response) == "Bold offer"
