"""A Redis outage degrades the delivery API to uncached answers; it never takes it down.

A private redis-server (tests/helpers/celery.py) is stopped by its PID, or frozen with
SIGSTOP so that calls time out rather than being refused, while the API is asked for
pages, images, find and decide; then it comes back and the same process caches again.
"""

import json
import signal
import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings
from wagtail.models import PageViewRestriction

from cms.api.keys import api_key_create
from cms.models import OutboxJob
from cms.outbox import outbox_relay
from config.cache import (
    CacheUnavailable, CircuitBreaker, ResilientRedisCache, _breaker_for, cache_recovered, cache_unavailable,
)
from personalization.models import Placement, Segment
from config.stamps import CacheStamp
from personalization.signal_handlers import RULES_CHANGED
from tests.factories import ChannelFactory, ImageFactory, LandingPageFactory
from tests.factories.personalised import heading
from tests.helpers.celery import RedisServer, wait_until
from tests.helpers.servers import Server, serving

pytestmark = [pytest.mark.services, pytest.mark.django_db]

TIMEOUT = 0.25
RETRY_AFTER = 0.5


def resilient_cache(url: str) -> dict:
    redis = {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT, "RETRY_AFTER_SECONDS": RETRY_AFTER},
    }
    return {"default": redis, "responses": redis}


@pytest.fixture
def private_redis():
    """A redis-server of this test's own, used as the default cache; stopped whatever the test did."""
    server = RedisServer()
    server.start()
    try:
        with override_settings(CACHES=resilient_cache(server.url), REDIS_URL=server.url):
            yield server
    finally:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGCONT)
            server.stop()


@pytest.fixture
def hub(home, django_capture_on_commit_callbacks):
    channel = ChannelFactory(slug="web")
    with django_capture_on_commit_callbacks(execute=True):
        segment = Segment.objects.create(
            key="mobile", name="Mobile", priority=1, definition={"attribute": "device", "operator": "equals", "value": "mobile"}
        )
        segment.save_revision().publish()
        page = LandingPageFactory(parent=home, title="Spring offer", body=[heading("Offer")])
        image = ImageFactory(title="Hero")
        Placement.objects.create(key="hero", name="Hero", default=[("heading", "Everyone")])
    key = api_key_create(channel=channel, name="web", scopes=["delivery"])[1]
    return {"page": page, "image": image, "key": key}


def delivery_calls(hub) -> dict[str, callable]:
    client, auth = Client(), f"Bearer {hub['key']}"
    page = hub["page"]
    decide_body = json.dumps({"context": {"visitor_id": "v1", "device": "mobile"}, "placements": ["hero"]})
    return {
        "pages": lambda: client.get("/api/v2/pages/", HTTP_AUTHORIZATION=auth),
        "page": lambda: client.get(f"/api/v2/pages/{page.pk}/", HTTP_AUTHORIZATION=auth, HTTP_X_VISITOR_ID="v1"),
        "images": lambda: client.get("/api/v2/images/", HTTP_AUTHORIZATION=auth),
        "find": lambda: client.get(f"/api/v2/pages/find/?html_path={page.url}", HTTP_AUTHORIZATION=auth),
        "decide": lambda: client.post(
            "/api/v2/personalize/decide/", decide_body, content_type="application/json", HTTP_AUTHORIZATION=auth
        ),
    }


def statuses(calls) -> dict[str, int]:
    return {name: call().status_code for name, call in calls.items()}


def keys_in(server: RedisServer) -> int:
    with redis.Redis(port=server.port) as client:
        return client.dbsize()


# find answers with a redirect to the page's detail, as in Wagtail.
ALL_OK = {"pages": 200, "page": 200, "images": 200, "find": 302, "decide": 200}


def test_a_stopped_redis_degrades_every_delivery_call_and_the_same_process_caches_again(private_redis, hub, client):
    calls = delivery_calls(hub)
    assert statuses(calls) == ALL_OK
    assert keys_in(private_redis) > 0

    private_redis.stop()
    started = time.monotonic()
    assert statuses(calls) == ALL_OK
    assert statuses(calls) == ALL_OK
    # One bounded timeout opens the breaker; the other calls skip the cache instead of waiting.
    assert time.monotonic() - started < 10 * TIMEOUT
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["cache"]["status"] == "fail"
    assert ready.json()["checks"]["database"]["status"] == "ok"

    private_redis.start()  # the same port, empty: no persistence
    wait_until(lambda: client.get("/readyz").status_code == 200, timeout=5 * RETRY_AFTER + 5)
    assert statuses(calls) == ALL_OK
    assert keys_in(private_redis) > 1, "the recovered process caches again"


def test_a_frozen_redis_times_out_once_per_probe_not_once_per_call(private_redis, hub):
    calls = delivery_calls(hub)
    assert statuses(calls) == ALL_OK
    private_redis.process.send_signal(signal.SIGSTOP)  # connections open, nothing answers
    try:
        durations = []
        for _ in range(3):
            for call in calls.values():
                started = time.monotonic()
                assert call().status_code in (200, 302)
                durations.append(time.monotonic() - started)
        # Each request makes several cache calls; at most one of them waits for the socket timeout.
        assert max(durations) < 2 * TIMEOUT + 0.5, durations
    finally:
        private_redis.process.send_signal(signal.SIGCONT)


def test_a_change_made_during_an_outage_is_served_during_and_after_it(private_redis, hub, django_capture_on_commit_callbacks):
    """Nothing cached before the outage (bodies, memos, the ruleset) outlives a change made while it lasted."""
    page, calls = hub["page"], delivery_calls(hub)
    assert statuses(calls) == ALL_OK
    assert calls["decide"]().json()["segments"] == ["mobile"]
    private_redis.process.send_signal(signal.SIGSTOP)  # the cached bodies survive, as after a network split
    try:
        with django_capture_on_commit_callbacks(execute=True):
            PageViewRestriction.objects.create(page=page, restriction_type="password", password="secret")
            segment = Segment.objects.get(key="mobile")
            segment.definition = {"attribute": "device", "operator": "equals", "value": "desktop"}
            segment.save_revision().publish()
        assert calls["page"]().status_code == 404
        assert calls["find"]().status_code == 404
        assert page.pk not in [item["id"] for item in calls["pages"]().json()["items"]]
        assert calls["decide"]().json()["segments"] == []
    finally:
        private_redis.process.send_signal(signal.SIGCONT)
    time.sleep(RETRY_AFTER)
    assert calls["page"]().status_code == 404
    assert calls["find"]().status_code == 404
    assert page.pk not in [item["id"] for item in calls["pages"]().json()["items"]]
    assert calls["decide"]().json()["segments"] == []


@override_settings(API_RATE_LIMIT_ON_CACHE_ERROR="closed")
def test_a_closed_rate_limit_refuses_with_503_and_retry_after_while_redis_is_down(private_redis, hub):
    calls = delivery_calls(hub)
    private_redis.stop()
    response = calls["pages"]()
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert response.json()["status"] == 503


def test_the_breaker_logs_an_outage_once_per_interval_and_its_end(caplog):
    now = [0.0]
    breaker = CircuitBreaker("redis://x", retry_after=1, log_every=60, clock=lambda: now[0])
    with caplog.at_level("WARNING", logger="config.cache"):
        for second in range(0, 130, 2):
            now[0] = float(second)
            if breaker.allow() is not None:
                breaker.failed(ConnectionError("refused"))
        assert breaker.allow() is None  # skipped until retry_after has passed
        now[0] += 1
        assert breaker.allow() == "probe"
        assert breaker.allow() is None  # one probe at a time
        breaker.closed()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 4, messages  # opened, still down at 60 s and 120 s, back
    assert "reachable again" in messages[-1]


def test_counters_raise_rather_than_lose_an_increment_while_skipped():
    backend = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": TIMEOUT}})
    assert backend.get("k", "miss") == "miss"
    assert backend.add("k", 1) is False
    with pytest.raises(CacheUnavailable):
        backend.incr("k")


def test_the_breaker_names_the_server_without_its_password():
    assert _breaker_for("redis://:s3cret@127.0.0.1:1/0", 5).name == "redis://127.0.0.1:1/0"


def http_status(server: Server, path: str, *, key: str | None = None, body: dict | None = None) -> int:
    """The status of GET path, or of POST body to it; find's redirect is followed."""
    return server.request(path, key=key, body=body, timeout=10)[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_gunicorn_process_survives_a_redis_restart_without_restarting(hub, tmp_path):
    """The same, with the API in a real serving process configured by REDIS_URL as in production."""
    page, key = hub["page"], hub["key"]
    decide = {"context": {"visitor_id": "v1", "device": "mobile"}, "placements": ["hero"]}
    with RedisServer() as server:
        env = {"REDIS_URL": server.url, "CACHE_TIMEOUT_SECONDS": str(TIMEOUT), "CACHE_RETRY_AFTER_SECONDS": str(RETRY_AFTER)}
        with serving(tmp_path, env) as [api]:
            def answers() -> dict[str, int]:
                return {
                    "pages": http_status(api, "/api/v2/pages/", key=key),
                    "page": http_status(api, f"/api/v2/pages/{page.pk}/", key=key),
                    "images": http_status(api, "/api/v2/images/", key=key),
                    "find": http_status(api, f"/api/v2/pages/find/?html_path={page.url}", key=key),
                    "decide": http_status(api, "/api/v2/personalize/decide/", key=key, body=decide),
                }

            every_200 = dict.fromkeys(["pages", "page", "images", "find", "decide"], 200)
            assert answers() == every_200
            server.stop()
            assert answers() == every_200
            assert http_status(api, "/readyz") == 503
            server.start()
            wait_until(lambda: http_status(api, "/readyz") == 200, timeout=10)
            assert answers() == every_200
            assert keys_in(server) > 1, "the process caches again"


def test_the_cache_stays_skipped_until_every_recovery_receiver_has_succeeded(private_redis):
    cache.set("k", "before")
    private_redis.stop()
    assert cache.get("k") is None and cache_unavailable()
    private_redis.start()

    def fails(**kwargs):
        raise RuntimeError("could not retire the old generation")

    cache_recovered.connect(fails)
    try:
        time.sleep(RETRY_AFTER)
        assert cache.get("k", "miss") == "miss"  # probed, but a receiver failed: still skipped
        assert "could not retire" in cache_unavailable()
    finally:
        cache_recovered.disconnect(fails)
    time.sleep(RETRY_AFTER)
    cache.set("k", "after")
    assert cache.get("k") == "after" and cache_unavailable() is None


STAMP_KEY = CacheStamp("ruleset").key


def test_a_ruleset_change_the_cache_dropped_is_announced_again_through_the_outbox(
    private_redis, hub, django_capture_on_commit_callbacks
):
    before = cache.get(STAMP_KEY)
    private_redis.stop()
    with django_capture_on_commit_callbacks(execute=True):
        Segment.objects.get(key="mobile").save_revision().publish()
    assert OutboxJob.objects.filter(handler=RULES_CHANGED, done_at__isnull=True).exists()
    private_redis.start()  # empty, as a lost cache would be; the stamp must be written again
    time.sleep(RETRY_AFTER)
    outbox_relay()
    assert not OutboxJob.objects.filter(handler=RULES_CHANGED, done_at__isnull=True).exists()
    assert cache.get(STAMP_KEY) not in (None, before)
