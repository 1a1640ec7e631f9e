"""The customer page: found by any id, shows every id, traits, consent, events and segments; opening it
is logged without the visitor id; consent changed and the customer erased from it."""

import pytest
from django.contrib.auth.models import Permission
from wagtail.models import ModelLogEntry

from cms.roles import EDITORS, MARKETERS
from personalization.customers.identity import identify
from personalization.customers.membership import membership_diff
from personalization.models import TraitDefinition, VisitorProfile
from personalization.profiles import profile_upsert
from tests.factories import SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/personalization/customers/"


@pytest.fixture
def marketer(client):
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    return client


@pytest.fixture
def customer(django_capture_on_commit_callbacks):
    TraitDefinition.objects.create(name="plan", type="string")
    with django_capture_on_commit_callbacks(execute=True):
        SegmentFactory(key="gold", definition={"attribute": "trait.plan", "operator": "equals", "value": "gold"})
    profile_upsert(visitor_id="web-42", consent=["crm"], traits={"plan": "gold"})
    identify(visitor_id="web-42", customer_id="CRM-42", reason="api identify (key tlr_x)")
    identify(visitor_id="app-42", customer_id="CRM-42", reason="api identify (key tlr_x)")
    membership_diff(notify=False)
    return VisitorProfile.objects.get(customer_id="CRM-42")


@pytest.mark.parametrize("any_id", ["web-42", "app-42", "CRM-42"])
def test_a_customer_is_found_by_any_id_and_shown_whole(marketer, customer, any_id):
    found = marketer.get(URL, {"q": any_id})
    assert found.status_code == 302 and found.url == f"{URL}{customer.pk}/"
    page = marketer.get(found.url).content.decode()
    for shown in ("CRM-42", "web-42", "app-42", "gold", "plan", "api identify (key tlr_x)"):
        assert shown in page
    entry = ModelLogEntry.objects.get(action="personalization.customer.viewed")
    assert (entry.object_id, entry.user.username) == (str(customer.pk), "marketer")
    assert "42" not in entry.label.replace(f"#{customer.pk}", "")  # no visitor or customer id in the log


def test_an_unknown_id_says_so(marketer, customer):
    response = marketer.get(URL, {"q": "nobody"})
    assert response.status_code == 200
    assert "No customer has this id." in response.content.decode()


def test_editors_cannot_open_customer_pages(client, customer):
    client.force_login(UserFactory(username="editor", role=EDITORS))
    refused = client.get(f"{URL}{customer.pk}/")  # Wagtail answers PermissionDenied with its dashboard
    assert (refused.status_code, refused.url) == (302, "/admin/")
    assert not ModelLogEntry.objects.filter(action="personalization.customer.viewed").exists()


def test_a_marketer_changes_consent_for_every_id(marketer, customer):
    response = marketer.post(f"{URL}{customer.pk}/consent/", {"consent": ["behaviour", "crm"]})
    assert response.status_code == 302
    assert dict(VisitorProfile.objects.values_list("visitor_id", "consent")) == {
        "web-42": ["behaviour", "crm"], "app-42": ["behaviour", "crm"],
    }
    assert ModelLogEntry.objects.get(action="personalization.customer.consent").data == {"consent": ["behaviour", "crm"]}


def test_erasure_needs_its_own_permission_and_removes_every_id(client, customer):
    user = UserFactory(username="privacy", role=MARKETERS)
    client.force_login(user)
    assert client.post(f"{URL}{customer.pk}/erase/").url == "/admin/"
    assert VisitorProfile.objects.count() == 2
    user.user_permissions.add(Permission.objects.get(codename="delete_visitorprofile"))
    client.force_login(user)
    assert "Yes, erase" in client.get(f"{URL}{customer.pk}/erase/").content.decode()
    response = client.post(f"{URL}{customer.pk}/erase/", follow=True)
    assert "Customer erased: 1 profiles, 1 merged ids, 1 traits" in response.content.decode()
    assert not VisitorProfile.objects.exists()
    erased = ModelLogEntry.objects.get(action="personalization.customer.erased")
    assert (erased.user, erased.label) == (user, f"Customer profile #{customer.pk}")
