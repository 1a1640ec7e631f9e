"""CRM trait writes (the API and imports) respect identity and erasure, and wake the membership diff."""

import pytest

from cms.models import OutboxJob
from personalization.customers.erasure import erase
from personalization.customers.identity import identify
from personalization.customers.membership import DIFF_HANDLER
from personalization.models import TraitDefinition, VisitorProfile
from personalization.profiles import profile_upsert
from personalization.traitsync.store import traits_merge_batch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue(db):
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold", "silver"])


def test_a_trait_push_for_an_erased_id_is_refused_and_recreates_nothing(crm):
    profile_upsert(visitor_id="v-gone", consent=["crm"], traits={"tier": "gold"})
    erase("v-gone")

    response = crm.patch("profiles/v-gone/traits/", {"traits": {"tier": "silver"}})

    assert response.status_code == 409, response.content
    assert not VisitorProfile.objects.filter(visitor_id="v-gone").exists()


def test_an_import_skips_erased_ids_and_writes_the_others():
    profile_upsert(visitor_id="v-gone", consent=["crm"])
    erase("v-gone")

    result = traits_merge_batch([("v-gone", {"tier": "gold"}), ("v-new", {"tier": "silver"})], source="import:test.csv")

    assert (result.changed, result.suppressed) == (1, 1)
    assert list(VisitorProfile.objects.values_list("visitor_id", "traits")) == [("v-new", {"tier": "silver"})]


def test_traits_for_another_id_of_a_customer_reach_the_customers_profile(crm, django_capture_on_commit_callbacks):
    profile_upsert(visitor_id="web-1", consent=["crm"])
    profile_upsert(visitor_id="app-1", consent=["crm"])
    with django_capture_on_commit_callbacks(execute=True):
        identify(visitor_id="web-1", customer_id="C-1", reason="test")
        identify(visitor_id="app-1", customer_id="C-1", reason="test")
    holder = VisitorProfile.objects.get(customer_id="C-1")
    alias = "app-1" if holder.visitor_id == "web-1" else "web-1"

    assert crm.patch(f"profiles/{alias}/traits/", {"traits": {"tier": "gold"}}).status_code == 200
    traits_merge_batch([(alias, {"tier": "silver"})], source="import:test.csv")
    traits_merge_batch([(alias, {"tier": "gold"})], source="import:test.csv")

    holder.refresh_from_db()
    assert holder.traits["tier"] == "gold"
    assert VisitorProfile.objects.get(visitor_id=alias).traits == {}


def test_a_trait_change_asks_for_a_membership_diff(crm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert crm.patch("profiles/v-1/traits/", {"traits": {"tier": "gold"}}).status_code == 200

    assert OutboxJob.objects.filter(handler=DIFF_HANDLER).exists()
