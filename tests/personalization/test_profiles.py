"""Visitor profiles: read from the cache, visits counted without a write per request, only with consent."""

import time
import warnings

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import CacheKeyWarning

from personalization import profiles
from personalization.models import VisitorProfile
from personalization.profiles import (
    StoredProfile, page_view_note, profile_load, profile_upsert, visit_note, visits_apply, visits_flush,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor():
    return profile_upsert(visitor_id="v1", consent=["behaviour"])


def test_a_loaded_profile_is_served_from_the_cache(visitor, django_assert_num_queries):
    profile_load("v1")
    with django_assert_num_queries(0):
        assert profile_load("v1").consent == frozenset({"behaviour"})


def test_visits_are_counted_once_per_visit_window_without_a_write_per_request(
    visitor, django_assert_num_queries, django_capture_on_commit_callbacks
):
    profiles._buffer.flushed_at = time.monotonic()  # a batch was just handed over
    profile_load("v1")
    with django_assert_num_queries(0):
        for _ in range(5):
            visit_note("v1", profile_load("v1"), consent=frozenset({"behaviour"}))
    assert VisitorProfile.objects.get(visitor_id="v1").visit_count == 0
    with django_capture_on_commit_callbacks(execute=True):
        visits_flush()
    assert VisitorProfile.objects.get(visitor_id="v1").visit_count == 1


def test_no_visit_is_recorded_without_behaviour_consent(db):
    profile_upsert(visitor_id="v2", consent=[])
    visit_note("v2", profile_load("v2"), consent=frozenset())
    visits_flush()
    assert VisitorProfile.objects.get(visitor_id="v2").visit_count == 0


def test_a_due_buffer_is_flushed_by_the_next_visit(visitor, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(profiles, "FLUSH_EVERY_SECONDS", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            profile_upsert(visitor_id=f"b{n}", consent=["behaviour"])
            visit_note(f"b{n}", profile_load(f"b{n}"), consent=frozenset({"behaviour"}))
    counts = dict(VisitorProfile.objects.filter(visitor_id__startswith="b").values_list("visitor_id", "visit_count"))
    assert counts == {"b0": 1, "b1": 1, "b2": 1}


def test_a_consenting_newcomer_gets_a_profile_and_returns_as_a_returning_visitor(db, django_capture_on_commit_callbacks):
    assert profile_load("newcomer") == StoredProfile.empty()  # no row yet
    visit_note("newcomer", profile_load("newcomer"), consent=frozenset({"behaviour"}))
    with django_capture_on_commit_callbacks(execute=True):
        visits_flush()
    row = VisitorProfile.objects.get(visitor_id="newcomer")
    assert row.visit_count == 1 and row.first_seen is not None and row.last_seen == row.first_seen
    assert row.consent == []  # the frontend's banner speaks for consent on each request; none is assumed
    cache.delete_many([profiles._visitor_key("visit", "newcomer")])  # the visit window ends
    assert profile_load("newcomer").visit_count == 1  # counted, so the next visit is the second


def test_a_visitor_id_too_long_to_store_is_not_counted(db, django_capture_on_commit_callbacks):
    too_long = "x" * (VisitorProfile._meta.get_field("visitor_id").max_length + 1)
    with django_capture_on_commit_callbacks(execute=True):
        visits_flush({"visits": {too_long: 1, "fits": 1}, "pages": {too_long: ["/pricing/"]}})
    assert list(VisitorProfile.objects.values_list("visitor_id", flat=True)) == ["fits"]


def test_any_visitor_id_makes_valid_cache_keys():
    odd = "visitor with spaces\x01and\ncontrol characters ú" + "x" * 60  # fits the column
    profile_upsert(visitor_id=odd, consent=["behaviour"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)  # what memcached would refuse
        profile = profile_load(odd)
        visit_note(odd, profile, consent=frozenset({"behaviour"}))
    assert profile.consent == frozenset({"behaviour"})
    assert profile_load(odd).in_visit


def test_viewed_pages_and_content_types_reach_the_profile_in_a_batch(visitor, django_capture_on_commit_callbacks):
    consent = frozenset({"behaviour"})
    for path, content_type in [("/pricing/", "cms.landingpage"), ("/guides/a/", "cms.articlepage"), ("/pricing/", "cms.landingpage")]:
        page_view_note("v1", profile_load("v1"), consent=consent, path=path, content_type=content_type)
    page_view_note("v1", profile_load("v1"), consent=frozenset(), path="/secret/", content_type="cms.sectionpage")
    with django_capture_on_commit_callbacks(execute=True):
        visits_flush()
    profile = profile_load("v1")
    assert profile.pages_visited == {"/pricing/", "/guides/a/"}
    assert profile.content_types_visited == {"cms.landingpage", "cms.articlepage"}


def test_stored_views_keep_the_most_recent(visitor, monkeypatch):
    monkeypatch.setattr(profiles, "MAX_STORED_VIEWS", 3)
    for batch in (["/a/", "/b/", "/c/"], ["/a/", "/d/"]):
        visits_apply(visits={}, pages={"v1": batch}, at="2026-01-01T00:00:00+00:00")
    assert VisitorProfile.objects.get(visitor_id="v1").pages_visited == ["/c/", "/a/", "/d/"]


def test_a_stopping_process_hands_over_what_it_buffered(visitor, django_capture_on_commit_callbacks):
    profiles._buffer.flushed_at = time.monotonic()  # not due: the visit stays in the buffer
    visit_note("v1", profile_load("v1"), consent=frozenset({"behaviour"}))
    assert VisitorProfile.objects.get(visitor_id="v1").visit_count == 0
    with django_capture_on_commit_callbacks(execute=True):
        profiles._flush_at_exit()  # what atexit runs
    assert VisitorProfile.objects.get(visitor_id="v1").visit_count == 1


def _shown(visitor_id: str) -> int:
    """The visit count a request is shown (what request_context gives the engine), noting the visit like delivery."""
    profile = profile_load(visitor_id)
    visit_note(visitor_id, profile, consent=frozenset({"behaviour"}))
    return profile.visit_count + (0 if profile.in_visit else 1)


def test_the_visit_count_shown_never_goes_down_before_or_after_the_batch_lands(visitor, django_capture_on_commit_callbacks):
    VisitorProfile.objects.filter(visitor_id="v1").update(visit_count=4)
    profiles._buffer.flushed_at = time.monotonic()  # not due: visits stay buffered
    shown = [_shown("v1"), _shown("v1")]  # one visit, its batch not landed
    cache.delete(profiles._visitor_key("visit", "v1"))  # the visit window ends
    shown += [_shown("v1"), _shown("v1")]  # the next visit, the first one still buffered
    with django_capture_on_commit_callbacks(execute=True):
        visits_flush()  # both land; the cached profile is forgotten
    shown.append(_shown("v1"))
    assert shown == [5, 5, 6, 6, 6]
    assert VisitorProfile.objects.get(visitor_id="v1").visit_count == 6


def test_a_profile_cached_before_the_batch_landed_does_not_lower_the_count(visitor, django_capture_on_commit_callbacks):
    stale = profile_load("v1")  # read before the visit is counted
    assert _shown("v1") == 1
    with django_capture_on_commit_callbacks(execute=True):
        visits_flush()
    cache.set(profiles._profile_key("v1"), stale, profiles.PROFILE_CACHE_SECONDS)  # a slow request's late write
    assert _shown("v1") == 1
    cache.delete(profiles._visitor_key("visit", "v1"))
    assert _shown("v1") == 2
