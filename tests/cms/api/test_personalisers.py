"""The delivery API personalises only through the registered personaliser; without one it fails closed.

personalization registers itself at ready(). Unregistered, a personalised block serves its
default to everyone (never a variant, never the list of variants), no page variant applies,
visitor parameters are unknown parameters and nothing is recorded about the visitor.
"""

import pytest
from django.test import Client

from cms.api.keys import api_key_create
from cms.api.personalisers import personaliser, personaliser_register
from personalization.models import PageVariant, VisitorProfile
from personalization.personaliser import SegmentPersonaliser
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory
from tests.factories.personalised import personalised_block

pytestmark = pytest.mark.django_db

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}


@pytest.fixture
def hub(home, django_capture_on_commit_callbacks):
    channel = ChannelFactory(slug="web")
    with django_capture_on_commit_callbacks(execute=True):
        mobile = SegmentFactory(key="mobile", definition=MOBILE)
    offer = LandingPageFactory(parent=home, title="Offer", body=[
        personalised_block("hero", "For everyone", [([mobile], [], "For phones")]),
    ])
    alternative = LandingPageFactory(parent=home, title="Phone offer")
    with django_capture_on_commit_callbacks(execute=True):
        offer.segment_variants = [PageVariant(segment=mobile, alternative=alternative)]
        offer.save_revision().publish()
    return {"offer": offer, "alternative": alternative, "key": api_key_create(channel=channel, name="web", scopes=["delivery"])[1]}


@pytest.fixture
def unregistered():
    previous = personaliser_register(None)
    yield
    personaliser_register(previous)


def get(hub, path, **headers):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {hub['key']}", **headers)


def test_personalization_registers_itself_at_ready():
    assert isinstance(personaliser(), SegmentPersonaliser)


def test_registered_the_visitor_gets_the_variant_and_the_variant_page(hub):
    response = get(hub, f"/api/v2/pages/{hub['offer'].pk}/", HTTP_X_DEVICE="mobile")

    assert response.status_code == 200
    assert response.json()["meta"]["personalization"]["page_variant"]["served"] == hub["alternative"].pk


def test_unregistered_every_block_serves_its_default_and_no_page_variant_applies(hub, unregistered):
    response = get(hub, f"/api/v2/pages/{hub['offer'].pk}/", HTTP_X_DEVICE="mobile", HTTP_X_VISITOR_ID="v-1")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == hub["offer"].pk
    assert body["meta"]["personalization"] == {"segments": [], "referenced_segments": [], "blocks": {}}
    [block] = body["body"]
    assert block["value"]["variant"] is None and block["value"]["reason"] == "default"
    assert block["value"]["content"][0]["value"] == "For everyone"
    assert "For phones" not in response.content.decode()
    assert "X-Device" not in response.get("Vary", "")
    assert not VisitorProfile.objects.filter(visitor_id="v-1").exists()


def test_unregistered_visitor_parameters_are_unknown(hub, unregistered):
    response = get(hub, "/api/v2/pages/?device=mobile")

    assert response.status_code == 400
    assert "device" in response.json()["detail"]
