"""Which segments a page's content refers to: read from the stored StreamField JSON."""

import pytest

from cms.api.generation import content_generation
from cms.api.lookups import _all_segment_ids, _body_segment_ids
from personalization.delivery import segment_ids_in_stream
from personalization.models import Segment
from tests.factories import LandingPageFactory
from tests.factories.personalised import heading, personalised_block


def test_segment_ids_come_from_every_variant_of_every_personalised_block():
    raw = [
        heading("Welcome"),
        {"type": "personalised", "value": {"variants": [
            {"type": "item", "value": {"segments": [{"type": "item", "value": 4}, {"type": "item", "value": None}]}},
            {"type": "item", "value": {"segments": []}},
        ]}},
        # ListBlock data saved before Wagtail 2.16: bare values.
        {"type": "personalised", "value": {"variants": [{"segments": [7, 9]}]}},
    ]
    assert segment_ids_in_stream(raw) == {4, 7, 9}


@pytest.mark.parametrize("raw", [None, [], [heading("Only a heading")], [{"type": "personalised", "value": {}}]])
def test_content_without_variants_refers_to_no_segment(raw):
    assert segment_ids_in_stream(raw) == set()


@pytest.mark.django_db
def test_live_pages_refer_to_the_segments_of_their_blocks_and_drafts_to_none(home):
    segments = [Segment.objects.create(key=f"s{n}", name=f"S{n}", priority=n, definition={"all": []}) for n in range(3)]
    live = LandingPageFactory(parent=home, body=[personalised_block("hero", "Default", [([segments[0]], [], "Zero")])])
    draft = LandingPageFactory(parent=home, live=False, body=[personalised_block("hero", "Default", [([segments[1]], [], "One")])])
    assert _body_segment_ids(content_generation(), live.pk) == {segments[0].pk}
    assert _body_segment_ids(content_generation(), draft.pk) == frozenset()
    assert _all_segment_ids() == {segments[0].pk}
