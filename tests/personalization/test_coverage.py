"""Coverage: pages × channels × segments, the gaps, the segment filter, and a segment's usage naming its pages."""

from datetime import datetime, timezone

import pytest
from django.test import Client
from django.urls import reverse

from cms.models.channels import PageChannelOverride
from cms.roles import DEVELOPERS, MARKETERS
from personalization.coverage import PageCoverage, gaps, large_segment_ids, stream_variants
from personalization.models import PageVariant, VisitorProfile
from personalization.models.profiles import SegmentMembership
from tests.factories import ArticlePageFactory, ChannelFactory, LandingPageFactory, SegmentFactory, UserFactory
from tests.factories.personalised import personalised_block

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}


def test_stream_variants_reads_segments_and_channels_of_personalised_slots():
    class Seg:
        def __init__(self, pk):
            self.pk = pk
    raw = [
        {"type": "heading", "value": "x"},
        personalised_block("hero", "Anyone", [([Seg(1)], ["web"], "A"), ([Seg(1), Seg(2)], [], "B"), ([], [], "C")]),
    ]
    slots, variants = stream_variants(raw)
    assert slots == 1
    assert variants == {1: {"web", ""}, 2: {""}}


def test_large_segments_and_gaps_only_on_personalised_pages():
    assert large_segment_ids({1: 50, 2: 5, 3: 0}, profiles=100) == {1}
    assert large_segment_ids({1: 50}, profiles=0) == set()
    personalised = PageCoverage(1, "Offer", "landing page", {}, {2: {""}}, slots=1, page_variants=0)
    plain = PageCoverage(2, "About", "article page", {}, {}, slots=0, page_variants=0)
    gaps([personalised, plain], large={1, 2})
    assert personalised.missing == [1] and plain.missing == []


@pytest.fixture
def catalogue(home, django_capture_on_commit_callbacks):
    web, email = ChannelFactory(slug="web", name="Web"), ChannelFactory(slug="email", name="Email")
    with django_capture_on_commit_callbacks(execute=True):
        at_risk = SegmentFactory(key="at-risk", name="At risk", priority=1, definition=MOBILE)
        gold = SegmentFactory(key="gold", name="Gold", priority=2, definition=MOBILE)
    offer = LandingPageFactory(parent=home, title="Winter offer", body=[personalised_block("hero", "Everyone", [([gold], ["web"], "Gold")])])
    retention = LandingPageFactory(parent=home, title="Stay with us", body=[personalised_block("hero", "Everyone", [([at_risk], [], "Please stay")])])
    about = ArticlePageFactory(parent=home, title="About us")
    about.channel_overrides.add(PageChannelOverride(channel=email, offered=False))
    about.channel_overrides.add(PageChannelOverride(channel=web, title="About Tailor"))
    about.save_revision().publish()
    alternative = ArticlePageFactory(parent=home, title="Gold about")
    PageVariant.objects.create(page=about, segment=gold, alternative=alternative, channel=web)
    # 100 profiles: 40 are at risk now (large), 3 gold (small).
    now = datetime.now(timezone.utc)
    profiles = VisitorProfile.objects.bulk_create(VisitorProfile(visitor_id=f"v{index}") for index in range(100))
    SegmentMembership.objects.bulk_create(
        [SegmentMembership(profile=p, segment="at-risk", entered_at=now) for p in profiles[:40]]
        + [SegmentMembership(profile=p, segment="gold", entered_at=now) for p in profiles[:3]]
    )
    return {"offer": offer, "retention": retention, "about": about, "gold": gold, "at_risk": at_risk}


def _marketer() -> Client:
    client = Client()
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    return client


def _row(content: str, title: str) -> str:
    start = content.index(f">{title}</a>")
    return content[start:content.index("</tr>", start)]


@pytest.mark.django_db
def test_coverage_shows_offer_overrides_variants_and_gaps(catalogue):
    content = _marketer().get(reverse("personalization_coverage")).content.decode()
    about = _row(content, "About us")
    assert "Not offered" in about and "own title" in about and "Gold <small>(Web)</small>" in about
    assert "No variant for At risk (40 members)" in about  # personalised by a page variant, not for the large segment
    offer = _row(content, "Winter offer")
    assert "Gold <small>(Web)</small>" in offer and "No variant for At risk" in offer
    retention = _row(content, "Stay with us")
    assert "At risk <small>(all channels)</small>" in retention and "No variant for" not in retention
    assert "<strong>At risk</strong> (40)" in content and "<strong>Gold</strong>" not in content


@pytest.mark.django_db
def test_coverage_filters_by_segment_title_and_gaps(catalogue):
    client = _marketer()
    at_risk = client.get(reverse("personalization_coverage"), {"segment": "at-risk"}).content.decode()
    assert "Stay with us" in at_risk and "Winter offer" not in at_risk and "About us" not in at_risk
    assert "Pages that <strong>At risk</strong> changes: 1." in at_risk
    gold = client.get(reverse("personalization_coverage"), {"segment": "gold"}).content.decode()
    assert "Winter offer" in gold and "About us" in gold and "Stay with us" not in gold
    titled = client.get(reverse("personalization_coverage"), {"q": "winter"}).content.decode()
    assert "Winter offer" in titled and "Stay with us" not in titled
    with_gaps = client.get(reverse("personalization_coverage"), {"gaps_only": "on"}).content.decode()
    assert "Winter offer" in with_gaps and "Stay with us" not in with_gaps


@pytest.mark.django_db
def test_coverage_is_refused_to_people_without_segments(catalogue):
    client = Client()
    client.force_login(UserFactory(username="dev", role=DEVELOPERS))
    assert client.get(reverse("personalization_coverage")).status_code in (302, 403)


@pytest.mark.django_db
def test_a_segments_usage_names_its_pages_for_a_marketer(catalogue):
    from wagtail.models import ReferenceIndex

    for page in (catalogue["offer"], catalogue["about"]):
        ReferenceIndex.create_or_update_for_object(page)
    response = _marketer().get(reverse("wagtailsnippets_personalization_segment:usage", args=[catalogue["gold"].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Private page" not in content
    assert "Winter offer" in content and "About us" in content
    assert reverse("personalization_preview_as", args=[catalogue["offer"].pk]) in content
