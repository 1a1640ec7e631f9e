"""The demo's personalisation, seeded on top of the demo hub, and the `seed_demo` command that seeds both."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from cms.demo import demo_seed
from cms.models import LandingPage
from personalization.demo import SPRING_SLUG, demo_personalisation_counts, demo_personalisation_seed
from personalization.models import Segment

pytestmark = pytest.mark.django_db


def _spring_slots() -> list:
    return [child.value for child in LandingPage.objects.get(slug=SPRING_SLUG).body if child.block_type == "personalised"]


def test_seeding_twice_gives_the_same_personalisation_and_reset_starts_over():
    demo_seed()
    first = demo_personalisation_seed()
    assert first == {"segments": 6, "placements": 1, "visitor profiles": 200}
    assert demo_personalisation_seed() == first
    assert len(_spring_slots()) == 1  # not one more per run
    Segment.objects.filter(key="gold-members").update(name="Gold (edited)")
    assert demo_personalisation_seed(reset=True) == first == demo_personalisation_counts()
    assert Segment.objects.get(key="gold-members").name == "Gold members"
    # The spring page's hero chooses among the seeded segments.
    [slot] = _spring_slots()
    named = {segment.key for variant in slot["variants"] for segment in variant["segments"]}
    assert named == {"gold-members", "mobile-returning", "first-visit"}
    assert LandingPage.objects.get(slug=SPRING_SLUG).live


def test_seed_demo_seeds_the_hub_and_its_personalisation_and_prints_a_working_key(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", "--port", "8123", stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert "6 segments" in text and "4 channels" in text
    key = text.split("Demo API key (web channel; delivery, preview, events):\n")[1].split()[0]
    spring = LandingPage.objects.get(slug=SPRING_SLUG)
    response = Client().get(f"/api/v2/pages/{spring.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_DEVICE="mobile")
    assert response.status_code == 200
    assert response.json()["body"][0]["value"]["slot"] == "spring-hero"
