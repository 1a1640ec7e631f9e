"""Server-side exposures end to end: a real serving process notes the arms it serves and its flusher thread
writes them to ExperimentExposure; nothing in this test flushes. The database is the run's (SQLite in the
quick pass, PostgreSQL in the services pass)."""

import pytest

from cms.api.keys import api_key_create
from personalization.engine import ExperimentSpec, assign
from personalization.experiments.exposures import ExperimentExposure
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory
from tests.factories.experiments import experiment_create
from tests.factories.personalised import personalised_block
from tests.helpers.celery import wait_until
from tests.helpers.servers import serving, shared_state_env

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SPEC = ExperimentSpec(key="hero-test", arms=(("control", 50.0), ("b", 50.0)), control="control")
CONSENT = {"X-Consent": "behaviour"}


@pytest.fixture
def offer(home, tmp_path):
    """A running A/B test on a page's hero, a page without one, a delivery key, and the servers' environment."""
    mobile = SegmentFactory(key="mobile", priority=10, definition={"attribute": "device", "operator": "equals", "value": "mobile"})
    page = LandingPageFactory(parent=home, title="Offer", body=[
        personalised_block("hero", "Default offer", [([mobile], [], "For mobile"), ([], [], "Bold offer")]),
    ])
    plain = LandingPageFactory(parent=home, title="Plain", body=[
        personalised_block("hero", "Plain default", [([mobile], [], "Plain mobile")]),
    ])
    experiment_create(page=page, arms=(("control", None, 50), ("b", 2, 50)))
    key = api_key_create(channel=ChannelFactory(slug="web"), name="web", scopes=["delivery"])[1]
    env = {**shared_state_env(), "REDIS_URL": "", "SHARED_STATE_DIR": str(tmp_path / "state")}
    return {"path": f"/api/v2/pages/{page.pk}/", "plain": f"/api/v2/pages/{plain.pk}/", "key": key, "env": env}


def exposures() -> set[tuple[str, str, str]]:
    return set(ExperimentExposure.objects.values_list("experiment", "arm", "visitor_id"))


def visit(server, offer, path: str, visitor: str, **headers) -> dict:
    status, body = server.get(path, offer["key"], headers={"X-Visitor-Id": visitor, **headers})
    assert status == 200, body
    return body


def test_the_flusher_thread_writes_the_arms_a_serving_process_served(offer, tmp_path):
    visitors = [f"visitor-{n}" for n in range(6)]
    with serving(tmp_path, {**offer["env"], "IMPRESSIONS_FLUSH_SECONDS": "0.3"}) as (server,):
        for visitor in visitors:
            served = visit(server, offer, offer["path"], visitor, **CONSENT)
            assert served["meta"]["personalization"]["experiments"]["hero-test"]["arm"] == assign(SPEC, visitor, ()).arm
            visit(server, offer, offer["path"], visitor, **CONSENT)  # a repeat (a cache hit) adds nothing
        visit(server, offer, offer["path"], "no-consent", **{"X-Consent": ""})  # no consent: never stored
        visit(server, offer, offer["plain"], "plain-only", **CONSENT)  # a page without the experiment exposes nobody
        wanted = {("hero-test", assign(SPEC, visitor, ()).arm, visitor) for visitor in visitors}
        wait_until(lambda: exposures() == wanted, timeout=20, message=lambda: f"{exposures()}\n{server.log()}")
    assert exposures() == wanted  # stopping writes nothing twice


def test_a_process_stopped_with_sigterm_hands_over_its_exposures(offer, tmp_path):
    with serving(tmp_path, {**offer["env"], "IMPRESSIONS_FLUSH_SECONDS": "3600"}) as (server,):
        visit(server, offer, offer["path"], "visitor-1", **CONSENT)
        assert exposures() == set()  # no flush but the one at exit
    assert exposures() == {("hero-test", assign(SPEC, "visitor-1", ()).arm, "visitor-1")}, server.log()
