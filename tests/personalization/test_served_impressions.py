"""Server-side impressions: each personalised body served counts, exactly, with no write on the request path."""

import json
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cms.api.keys import api_key_create
from personalization.events import served
from personalization.events.models import ServedImpression
from personalization.events.tally import ServedRow, Tally, served_keys, served_rows
from personalization.models import Placement
from personalization.simulation import simulation_token
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory
from tests.factories.personalised import heading, personalised_block

pytestmark = pytest.mark.django_db

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}
BRITISH = {"attribute": "country", "operator": "in", "value": ["GB"]}


@pytest.fixture
def hub(home, django_capture_on_commit_callbacks):
    web = ChannelFactory(slug="web")
    with django_capture_on_commit_callbacks(execute=True):
        mobile = SegmentFactory(key="mobile", priority=10, definition=MOBILE)
        british = SegmentFactory(key="british", priority=20, definition=BRITISH)
    landing = LandingPageFactory(parent=home, title="Offer", body=[
        personalised_block("hero", "Default offer", [([mobile], [], "For mobile"), ([british], [], "For Britain")]),
    ])
    plain = LandingPageFactory(parent=home, title="Plain", body=[heading("Same for all")])
    placement = Placement.objects.create(key="home-hero", name="Home hero", default=[("heading", "Everyone")])
    placement.variants = Placement.variants.field.stream_block.to_python([
        {"type": "variant", "id": "a", "value": {"segments": [{"type": "item", "id": "s", "value": mobile.pk}],
                                              "channels": [], "content": [heading("Mobile hero")]}},
    ])
    placement.save()
    key = api_key_create(channel=web, name="web", scopes=["delivery", "preview"])[1]
    return {"landing": landing, "plain": plain, "key": key, "channel_id": web.pk}


def get(hub, path, **extra):
    response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {hub['key']}", **extra)
    assert response.status_code in (200, 304), response.content
    return response


def decide(hub, body):
    response = Client().post("/api/v2/personalize/decide/", json.dumps(body), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {hub['key']}")
    assert response.status_code == 200, response.content
    return response


def counted() -> dict[tuple[int, str, str, str], int]:
    """Flush this process's counts; every ServedImpression row as (page, segment, slot, variant) -> count."""
    served.served_flush()
    return {
        (row.page_id, row.segment, row.slot, row.variant): row.count
        for row in ServedImpression.objects.all()
    }


def test_a_body_counts_under_every_segment_for_the_body_and_each_slot_variant():
    keys = served_keys(["mobile"], {"hero": {"variants": ["v1"]}, "aside": {"variants": []}})
    assert keys == (
        ("", "", ""), ("", "aside", ""), ("", "hero", "v1"),
        ("mobile", "", ""), ("mobile", "aside", ""), ("mobile", "hero", "v1"),
    )
    stacked = served_keys([], {"offers": {"variants": ["v2", "v1"]}}, page_variant={"requested": 3, "served": 9})
    assert stacked == (("", "", "page:9"), ("", "offers", "v2"), ("", "offers", "v1"))


def test_buffered_bodies_spread_into_rows_that_two_bodies_may_share():
    one, other = Tally(served_keys(["a"], {})), Tally(served_keys(["b"], {}))
    rows = served_rows({(7, 1, 5, one): 3, (7, 1, 5, other): 2})
    assert rows == {ServedRow(7, 1, 5, "", "", ""): 5, ServedRow(7, 1, 5, "a", "", ""): 3, ServedRow(7, 1, 5, "b", "", ""): 2}


def test_hits_and_misses_count_exactly_what_was_served(hub):
    hour_before = int(time.time()) // 3600 * 3600
    path = f"/api/v2/pages/{hub['landing'].pk}/"
    for _ in range(3):  # one miss, two hits
        get(hub, f"{path}?device=mobile")
    for _ in range(2):
        get(hub, f"{path}?device=desktop")
    page = hub["landing"].pk
    assert counted() == {
        (page, "", "", ""): 5,
        (page, "", "hero", "v1"): 3,
        (page, "", "hero", ""): 2,  # the default content served
        (page, "mobile", "", ""): 3,
        (page, "mobile", "hero", "v1"): 3,
    }
    row = ServedImpression.objects.first()
    assert row.channel_id == hub["channel_id"]
    assert row.bucket.timestamp() in (hour_before, int(time.time()) // 3600 * 3600)  # the UTC hour served in


def test_a_page_variant_counts_under_the_requested_page_naming_the_page_served(hub, home, django_capture_on_commit_callbacks):
    from personalization.models import PageVariant, Segment

    alternative = LandingPageFactory(parent=home, title="Offer for mobile", body=[heading("Alt")])
    page = hub["plain"]
    with django_capture_on_commit_callbacks(execute=True):
        page.segment_variants = [PageVariant(segment=Segment.objects.get(key="mobile"), alternative=alternative)]
        page.save_revision().publish()
    get(hub, f"/api/v2/pages/{page.pk}/?device=mobile")
    get(hub, f"/api/v2/pages/{page.pk}/?device=mobile")
    get(hub, f"/api/v2/pages/{page.pk}/?device=desktop")
    assert counted() == {
        (page.pk, "", "", f"page:{alternative.pk}"): 2, (page.pk, "mobile", "", f"page:{alternative.pk}"): 2,
        (page.pk, "", "", ""): 1,
    }


def test_a_hit_in_a_process_that_did_not_build_the_body_counts_the_same(hub):
    path = f"/api/v2/pages/{hub['landing'].pk}/?device=mobile&country=GB"
    get(hub, path)
    first = counted()
    served._tallies.clear()  # as another process, whose shared (Redis) cache hands it the body
    get(hub, path)
    page = hub["landing"].pk
    assert {key: count * 2 for key, count in first.items()} == counted()
    assert first[(page, "british", "hero", "v1")] == 1  # the body was personalised for both segments


def test_a_304_counts_because_the_body_was_decided_and_served(hub):
    path = f"/api/v2/pages/{hub['landing'].pk}/?device=mobile"
    etag = get(hub, path)["ETag"]
    assert get(hub, path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert counted()[(hub["landing"].pk, "mobile", "hero", "v1")] == 2


def test_a_personalised_listing_counts_under_page_zero_and_a_listing_of_titles_not_at_all(hub):
    get(hub, "/api/v2/pages/?type=cms.LandingPage&fields=body&device=mobile")
    get(hub, "/api/v2/pages/?device=mobile")
    assert counted() == {
        (0, "", "", ""): 1, (0, "", "hero", "v1"): 1, (0, "mobile", "", ""): 1, (0, "mobile", "hero", "v1"): 1,
    }


def test_pages_nobody_personalises_explanations_simulations_and_previews_count_nothing(hub):
    get(hub, f"/api/v2/pages/{hub['plain'].pk}/?device=mobile")
    get(hub, f"/api/v2/pages/{hub['landing'].pk}/?device=mobile&explain=1")
    get(hub, f"/api/v2/pages/{hub['landing'].pk}/?simulate={simulation_token(segments=['mobile'])}")
    decide(hub, {"context": {"device": "mobile"}, "placements": ["home-hero"], "explain": True})
    decide(hub, {"context": {"device": "mobile"}, "placements": ["unknown"]})
    assert counted() == {}


def test_a_decision_counts_its_segments_and_each_placement_variant_under_page_zero(hub):
    decide(hub, {"context": {"device": "mobile"}, "placements": ["home-hero"]})
    decide(hub, {"context": {"device": "mobile"}, "placements": ["home-hero"]})
    decide(hub, {"context": {"device": "desktop"}, "placements": ["home-hero"]})
    assert counted() == {
        (0, "", "", ""): 3, (0, "", "home-hero", "v1"): 2, (0, "", "home-hero", ""): 1,
        (0, "mobile", "", ""): 2, (0, "mobile", "home-hero", "v1"): 2,
    }


def test_counting_writes_nothing_on_the_request_path_and_flushes_add_up(hub):
    path = f"/api/v2/pages/{hub['landing'].pk}/?device=mobile"
    with CaptureQueriesContext(connection) as queries:
        get(hub, path)
        get(hub, path)
        decide(hub, {"context": {"device": "mobile"}, "placements": ["home-hero"]})
    table = ServedImpression._meta.db_table
    assert not [query["sql"] for query in queries if table in query["sql"]]
    assert counted()[(hub["landing"].pk, "mobile", "", "")] == 2
    get(hub, path)
    assert counted()[(hub["landing"].pk, "mobile", "", "")] == 3  # the next batch adds to the row


def test_a_batch_the_database_refuses_stays_buffered_for_the_next_flush(hub, monkeypatch):
    get(hub, f"/api/v2/pages/{hub['landing'].pk}/?device=mobile")

    def refuse(rows):
        raise RuntimeError("database unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(served, "served_apply", refuse)
        with pytest.raises(RuntimeError):
            served.served_flush()
    get(hub, f"/api/v2/pages/{hub['landing'].pk}/?device=mobile")
    assert counted()[(hub["landing"].pk, "mobile", "hero", "v1")] == 2


def test_counting_can_be_turned_off(hub, settings):
    settings.IMPRESSIONS_COUNTING = False
    get(hub, f"/api/v2/pages/{hub['landing'].pk}/?device=mobile")
    decide(hub, {"context": {"device": "mobile"}, "placements": ["home-hero"]})
    assert counted() == {}


def test_the_tally_memo_is_bounded_and_a_forgotten_body_is_read_again(monkeypatch):
    monkeypatch.setattr(served, "TALLY_MEMO_SIZE", 2)

    def body(segment: str) -> bytes:
        meta = {"segments": [segment], "referenced_segments": [segment], "blocks": {}}
        return json.dumps({"meta": {"personalization": meta}}).encode()

    for segment in ("a", "b", "c", "a"):
        served.served_body_note(channel_id=1, page_id=2, etag=f'"{segment}"', body=body(segment))
    assert len(served._tallies) == 2
    rows = served_rows(served._buffer.take())
    assert {row.segment: count for row, count in rows.items()} == {"": 4, "a": 2, "b": 1, "c": 1}
