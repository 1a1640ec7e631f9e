"""Served impressions from real gunicorn processes: every process's batches sum, and a stopped one hands over.

`embedded`: no services (each process caches bodies in its own memory). `redis`: the
processes share the response cache through Redis, so one serves bodies another built
and must count them the same. The database is the run's: SQLite in the quick pass,
PostgreSQL in the services pass.
"""

import os

import pytest
import redis

from cms.api.keys import api_key_create
from personalization.events.models import ServedImpression
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory
from tests.factories.personalised import personalised_block
from tests.helpers.celery import wait_until
from tests.helpers.servers import serving, shared_state_env

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.services)])
def shared(request, db, tmp_path):
    """The environment every server shares: the database plus files, or plus Redis."""
    if request.param == "embedded":
        yield {**shared_state_env(), "REDIS_URL": "", "SHARED_STATE_DIR": str(tmp_path / "state")}
        return
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    env = shared_state_env(redis_url=url)
    yield env
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{env['CACHE_KEY_PREFIX']}:*"):
        client.delete(key)


@pytest.fixture
def offer(home):
    """A page whose hero the `mobile` segment decides, and a delivery key."""
    mobile = SegmentFactory(key="mobile", priority=10, definition=MOBILE)
    page = LandingPageFactory(parent=home, title="Offer", body=[
        personalised_block("hero", "Default offer", [([mobile], [], "For mobile")]),
    ])
    key = api_key_create(channel=ChannelFactory(slug="web"), name="web", scopes=["delivery"])[1]
    return {"path": f"/api/v2/pages/{page.pk}/", "key": key}


def serve(server, offer, device: str, times: int) -> None:
    for _ in range(times):
        status, body = server.get(f"{offer['path']}?device={device}", offer["key"])
        assert status == 200, body


def counted() -> dict[tuple[str, str, str], int]:
    return {(row.segment, row.slot, row.variant): row.count for row in ServedImpression.objects.all()}


def expected(mobile: int, desktop: int) -> dict[tuple[str, str, str], int]:
    rows = {("", "", ""): mobile + desktop, ("", "hero", "v1"): mobile, ("", "hero", ""): desktop,
            ("mobile", "", ""): mobile, ("mobile", "hero", "v1"): mobile}
    return {key: count for key, count in rows.items() if count}


def test_the_batches_of_two_serving_processes_sum(shared, offer, tmp_path):
    env = {**shared, "IMPRESSIONS_FLUSH_SECONDS": "0.3"}
    with serving(tmp_path, env, count=2) as (a, b):
        serve(a, offer, "mobile", 7)
        serve(b, offer, "mobile", 5)  # with Redis, bodies `a` built
        serve(b, offer, "desktop", 4)
        serve(a, offer, "desktop", 1)
        wait_until(lambda: counted() == expected(12, 5), timeout=20, message=lambda: f"{counted()}\n{a.log()}{b.log()}")
    assert counted() == expected(12, 5)  # stopping hands over nothing twice


def test_a_process_stopped_with_sigterm_hands_over_its_counts(shared, offer, tmp_path):
    env = {**shared, "IMPRESSIONS_FLUSH_SECONDS": "3600"}  # no flush but the one at exit
    with serving(tmp_path, env, workers=2) as (server,):
        serve(server, offer, "mobile", 6)
        serve(server, offer, "desktop", 3)
        assert counted() == {}
    assert counted() == expected(6, 3), server.log()
