"""Experiments on a page's variant set: the arm picks the page served (control: the page itself), sticky,
in meta, keyed in the cache only on that page; the form checks the arms against the page's variants."""

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from personalization.engine import ExperimentSpec, assign, in_global_holdout
from personalization.experiments.exposure_buffer import exposures_flush, exposures_reset
from personalization.experiments.exposures import ExperimentExposure
from personalization.experiments.models import Experiment, ExperimentArm
from personalization.models import PageVariant
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory
from tests.factories.experiments import experiment_create
from tests.factories.personalised import heading

pytestmark = pytest.mark.django_db

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}
SPEC = ExperimentSpec(key="page-test", arms=(("control", 50.0), ("b", 50.0)), control="control")


@pytest.fixture
def hub(home, django_capture_on_commit_callbacks):
    web = ChannelFactory(slug="web")
    with django_capture_on_commit_callbacks(execute=True):
        mobile = SegmentFactory(key="mobile", priority=10, definition=MOBILE)
    landing = LandingPageFactory(parent=home, title="Spring offer", body=[heading("Default page")])
    for_mobile = LandingPageFactory(parent=home, title="Spring on mobile", body=[heading("Mobile page")])
    bold = LandingPageFactory(parent=home, title="Bold spring", body=[heading("Bold page")])
    other = LandingPageFactory(parent=home, title="Other", body=[heading("Other")])
    with django_capture_on_commit_callbacks(execute=True):
        landing.segment_variants = [
            PageVariant(segment=mobile, alternative=for_mobile), PageVariant(segment=mobile, alternative=bold),
        ]
        landing.save_revision().publish()
    key = api_key_create(channel=web, name="web", scopes=["delivery"])[1]
    return {"landing": landing, "mobile_page": for_mobile, "bold": bold, "other": other, "key": key}


def launch(hub, django_capture_on_commit_callbacks, **fields):
    fields.setdefault("arms", (("control", None, 50), ("b", 2, 50)))
    with django_capture_on_commit_callbacks(execute=True):
        return experiment_create(key="page-test", page=hub["landing"], target_kind="page", **fields)


def get(hub, page, visitor=None, query="", **headers):
    if visitor:
        headers["HTTP_X_VISITOR_ID"] = visitor
    return Client().get(f"/api/v2/pages/{page.pk}/{query}", HTTP_AUTHORIZATION=f"Bearer {hub['key']}", **headers)


def visitors_in(arm: str, count: int = 1, spec: ExperimentSpec = SPEC) -> list[str]:
    return [v for v in (f"visitor-{n}" for n in range(1000)) if assign(spec, v, ()).arm == arm][:count]


def test_each_arm_gets_its_page_and_the_arm_is_in_meta(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks)
    control, b = visitors_in("control")[0], visitors_in("b")[0]

    served_b = get(hub, hub["landing"], b).json()
    served_control = get(hub, hub["landing"], control).json()

    assert served_b["id"] == hub["bold"].pk
    meta = served_b["meta"]["personalization"]
    assert meta["page_variant"] == {"requested": hub["landing"].pk, "served": hub["bold"].pk}
    assert meta["experiments"] == {"page-test": {"arm": "b", "reason": "arm"}}
    assert served_control["id"] == hub["landing"].pk
    assert "page_variant" not in served_control["meta"]["personalization"]
    assert served_control["meta"]["personalization"]["experiments"]["page-test"]["arm"] == "control"


def test_the_arm_overrides_the_segments_choice_and_is_sticky(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks)
    control, b = visitors_in("control")[0], visitors_in("b")[0]
    # Without the experiment a mobile visitor gets the first variant; in it, the arm decides.
    assert {get(hub, hub["landing"], b, query="?device=mobile").json()["id"] for _ in range(3)} == {hub["bold"].pk}
    assert get(hub, hub["landing"], control, query="?device=mobile").json()["id"] == hub["landing"].pk


def test_no_cached_body_is_shared_between_arms_and_other_pages_are_untouched(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks)
    control, b = visitors_in("control", 2), visitors_in("b", 2)
    responses = {visitor: get(hub, hub["landing"], visitor) for visitor in [*control, *b]}
    digests = {visitor: response["Tailor-Segments-Digest"] for visitor, response in responses.items()}
    assert digests[control[0]] == digests[control[1]] and digests[b[0]] == digests[b[1]]
    assert digests[control[0]] != digests[b[0]]
    assert responses[control[0]]["ETag"] != responses[b[0]]["ETag"]
    # the other page, and the alternative asked for directly, do not vary by arm
    for page in (hub["other"], hub["bold"]):
        first, second = get(hub, page, control[0]), get(hub, page, b[0])
        assert first["ETag"] == second["ETag"]
        assert "experiments" not in first.json()["meta"]["personalization"]


def test_outside_the_audience_the_segments_choose_as_before(hub, django_capture_on_commit_callbacks):
    gold = SegmentFactory(key="gold", priority=5, definition={"attribute": "device", "operator": "equals", "value": "tv"})
    launch(hub, django_capture_on_commit_callbacks, audience=[gold])
    b = visitors_in("b")[0]
    response = get(hub, hub["landing"], b, query="?device=mobile").json()
    assert response["id"] == hub["mobile_page"].pk
    assert response["meta"]["personalization"]["experiments"]["page-test"]["reason"] == "audience"


def test_the_global_holdout_gets_the_page_itself(hub, django_capture_on_commit_callbacks, settings):
    settings.PERSONALIZATION_GLOBAL_HOLDOUT = 0.5
    launch(hub, django_capture_on_commit_callbacks)
    held = next(v for v in (f"visitor-{n}" for n in range(200)) if in_global_holdout(v, 0.5) and assign(SPEC, v, ()).arm == "b")
    response = get(hub, hub["landing"], held, query="?device=mobile").json()
    assert response["id"] == hub["landing"].pk
    assert response["meta"]["personalization"]["experiments"]["page-test"] == {"arm": None, "reason": "holdout"}


def test_an_arm_whose_page_is_not_live_serves_the_page_itself(hub, django_capture_on_commit_callbacks):
    launch(hub, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        hub["bold"].unpublish()
    b = visitors_in("b")[0]
    response = get(hub, hub["landing"], b)
    assert response.status_code == 200 and response.json()["id"] == hub["landing"].pk


def test_serving_an_arm_records_an_exposure(hub, django_capture_on_commit_callbacks):
    exposures_reset()
    launch(hub, django_capture_on_commit_callbacks)
    b = visitors_in("b")[0]
    get(hub, hub["landing"], b, HTTP_X_CONSENT="behaviour")
    exposures_flush()
    assert list(ExperimentExposure.objects.values_list("experiment", "arm", "visitor_id")) == [("page-test", "b", b)]


def test_the_model_refuses_a_page_without_variants_and_arms_beyond_them(hub):
    from django.core.exceptions import ValidationError

    from personalization.admin.experiments import arms_errors

    bare = Experiment(key="bare", name="Bare", target_kind="page", page=hub["other"], goal_event="conversion")
    with pytest.raises(ValidationError) as refused:
        bare.clean()
    assert "no page variants" in str(refused.value)
    missing = Experiment(key="none", name="None", target_kind="page", goal_event="conversion")
    with pytest.raises(ValidationError) as refused:
        missing.clean()
    assert "Choose the page" in str(refused.value)

    probe = Experiment(target_kind="page", page=hub["landing"])
    probe.clean()  # two variants: valid
    assert probe.target_variant_count() == 2
    assert arms_errors([{"key": "control", "variant": None, "weight": 1}, {"key": "c", "variant": 3, "weight": 1}], 2) == [
        "The target has 2 variant(s): no variant 3."
    ]
    assert ExperimentArm(key="b", variant=2).variant_id == "v2"


@pytest.fixture
def marketer():
    from cms.roles import MARKETERS
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    return client


@pytest.mark.parametrize(
    "page, arms, error",
    [
        ("other", (("control", "", 50), ("b", "1", 50)), "The page has no page variants"),
        ("landing", (("control", "", 50), ("b", "3", 50)), "The target has 2 variant(s): no variant 3"),
    ],
)
def test_the_editor_checks_the_arms_against_the_page_variants(hub, marketer, page, arms, error):
    from tests.personalization.test_experiment_admin import form_data, url

    response = marketer.post(url("add"), form_data(hub[page], arms=arms, target_kind="page", slot=""))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(error in message for messages in form.errors.values() for message in messages)
    assert not Experiment.objects.exists()


def test_the_editor_saves_a_valid_page_variant_experiment(hub, marketer):
    from tests.personalization.test_experiment_admin import form_data, url

    response = marketer.post(url("add"), form_data(hub["landing"], target_kind="page", slot="", key="page-test"))
    assert response.status_code == 302, response.context and response.context["form"].errors
    saved = Experiment.objects.get(key="page-test")
    assert (saved.target_kind, saved.page_id, [a.variant for a in saved.arms.all()]) == ("page", hub["landing"].pk, [None, 2])
