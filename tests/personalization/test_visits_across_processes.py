"""A visitor's visit count and `returning` never go down, whichever serving process answers.

Two gunicorn processes share a Redis (a private redis-server) and the test database;
visits are batched per process and land in the stored profile later. The visit window
and the batch interval are shortened so that a few seconds cross several of each.
"""

import time
from datetime import datetime, timezone

import pytest

from cms.api.keys import api_key_create
from personalization.models import Placement, Segment, VisitorProfile
from personalization.profiles import profile_upsert
from tests.factories import ChannelFactory
from tests.helpers.celery import RedisServer
from tests.helpers.servers import Server, serving

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VISIT_WINDOW = 2
COUNTED = {"attribute": "visit_count", "operator": "gte", "value": 0}
RETURNING = {"attribute": "returning", "operator": "equals", "value": True}


@pytest.fixture
def key(db):
    for priority, (segment_key, definition) in enumerate((("counted", COUNTED), ("returning", RETURNING))):
        segment = Segment.objects.create(key=segment_key, name=segment_key, priority=priority, definition=definition)
        segment.save_revision().publish()
    Placement.objects.create(key="hero", name="Hero", default=[("heading", "Everyone")])
    # demo-visitor-036 of the report: consenting, four visits stored.
    profile_upsert(visitor_id="v-036", consent=["behaviour"], now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    VisitorProfile.objects.filter(visitor_id="v-036").update(visit_count=4)
    return api_key_create(channel=ChannelFactory(slug="web"), name="web", scopes=["delivery"])[1]


def seen(server: Server, key: str, visitor_id: str) -> tuple[int, bool]:
    """(visit count, returning) as decide explains them for this visitor."""
    body = {"context": {"visitor_id": visitor_id, "consent": ["behaviour"]}, "placements": ["hero"], "explain": True}
    status, decision = server.post("/api/v2/personalize/decide/", body, key, timeout=10)
    assert status == 200, decision
    count = next(trace["conditions"][0]["actual"] for trace in decision["explain"] if trace["key"] == "counted")
    return count, "returning" in decision["segments"]


def test_visit_counts_never_go_down_across_requests_visits_and_processes(key, tmp_path):
    settings = {"VISIT_WINDOW_SECONDS": str(VISIT_WINDOW), "VISIT_FLUSH_SECONDS": "0.3"}
    with RedisServer() as redis_server:
        settings["REDIS_URL"] = redis_server.url
        with serving(tmp_path, settings, count=2) as (a, b):
            sequences: dict[str, list[tuple[int, bool]]] = {"v-036": [], "newcomer": []}
            started = time.monotonic()
            n = 0
            while time.monotonic() - started < 3.5 * VISIT_WINDOW:
                for visitor_id, sequence in sequences.items():
                    sequence.append(seen((a, b)[n % 2], key, visitor_id))
                n += 1
                time.sleep(0.1)
    for visitor_id, sequence in sequences.items():
        assert sequence == sorted(sequence), f"{visitor_id} saw {sequence}"
    returning, newcomer = sequences["v-036"], sequences["newcomer"]
    assert returning[0] == (5, True) and returning[-1][0] >= 7, returning  # new visits were counted
    assert newcomer[0] == (1, False) and newcomer[-1] >= (3, True), newcomer
