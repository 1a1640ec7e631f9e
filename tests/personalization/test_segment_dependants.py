"""The admin refuses to delete, unpublish or (without a warning) expire what live rules and
content depend on, and shows which live segments are left out of decisions and why."""

import html
import json
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms.roles import MARKETERS
from personalization.models import Placement, Segment, TraitDefinition
from tests.factories import ChannelFactory, LandingPageFactory, SegmentFactory, UserFactory
from tests.factories.personalised import heading, personalised_block

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_personalization_segment"
TRAITS = "wagtailsnippets_personalization_traitdefinition"
MEMBER_OF_A = {"attribute": "segment", "operator": "member_of", "value": "a"}
GOLD = {"attribute": "trait.tier", "operator": "equals", "value": "gold"}


@pytest.fixture
def admin():
    """A marketer: the refusals are theirs (the chief content officer replaces instead, see test_segment_replacement)."""
    client = Client()
    client.force_login(UserFactory(username="marketer", role=MARKETERS))
    return client


def messages_of(response) -> list[str]:
    # Wagtail stores admin messages as HTML (escaped, room for buttons)
    return [html.unescape(str(message)).strip() for message in get_messages(response.wsgi_request)]


def url(name: str, *args) -> str:
    return reverse(f"{URLS}:{name}", args=args)


def test_deleting_a_segment_another_live_segment_uses_is_refused_naming_it(admin):
    a = SegmentFactory(key="a", name="A")
    SegmentFactory(key="b", name="Uses A", definition=MEMBER_OF_A)

    confirm = admin.get(url("delete", a.pk))
    assert confirm.status_code == 302 and confirm["Location"] == url("list")
    assert messages_of(confirm) == [
        "'A' cannot be deleted: it is used by segment 'Uses A'. Remove it from them first."
    ]
    assert admin.post(url("delete", a.pk)).status_code == 302
    assert Segment.objects.filter(pk=a.pk).exists()


def test_deleting_a_segment_that_pages_and_placements_name_is_refused_naming_them(admin, home):
    gold = SegmentFactory(key="gold", name="Gold members")
    LandingPageFactory(parent=home, title="Spring offer", body=[
        personalised_block("hero", "Default", [([gold], [], "Your spring offer is doubled")]),
    ])
    placement = Placement.objects.create(key="home-hero", name="Home hero", default=[("heading", "Everyone")])
    placement.variants = Placement.variants.field.stream_block.to_python([
        {"type": "variant", "id": "g", "value": {"segments": [{"type": "item", "id": "s", "value": gold.pk}],
                                              "channels": [], "content": [heading("Gold")]}},
    ])
    placement.save()

    response = admin.post(url("delete", gold.pk))
    assert response.status_code == 302
    [message] = messages_of(response)
    assert "page 'Spring offer'" in message and "placement 'Home hero'" in message
    assert Segment.objects.filter(pk=gold.pk).exists()

    bulk = reverse("wagtail_bulk_action", args=("personalization", "segment", "delete")) + f"?id={gold.pk}"
    assert admin.post(bulk).status_code == 302
    assert Segment.objects.filter(pk=gold.pk).exists()


def test_a_segment_nothing_uses_is_deleted_as_usual(admin):
    alone = SegmentFactory(key="alone")
    assert admin.get(url("delete", alone.pk)).status_code == 200
    admin.post(url("delete", alone.pk))
    assert not Segment.objects.filter(pk=alone.pk).exists()


def test_unpublishing_a_segment_in_use_is_refused(admin):
    a = SegmentFactory(key="a", name="A")
    SegmentFactory(key="b", name="Uses A", definition={"not": MEMBER_OF_A})

    response = admin.post(url("unpublish", a.pk))
    assert response.status_code == 302 and response["Location"] == url("edit", a.pk)
    assert messages_of(response) == [
        "'A' cannot be unpublished: it is used by segment 'Uses A'. Remove it from them first."
    ]
    a.refresh_from_db()
    assert a.live

    Segment.objects.get(key="b").unpublish()  # a draft that uses it is no dependant
    admin.post(url("unpublish", a.pk))
    a.refresh_from_db()
    assert not a.live


def test_deleting_a_trait_a_live_segment_uses_is_refused(admin):
    tier = TraitDefinition.objects.create(name="tier", type="choice", choices=["gold"])
    unused = TraitDefinition.objects.create(name="ltv", type="number")
    SegmentFactory(key="gold", name="Gold members", definition=GOLD)

    response = admin.post(reverse(f"{TRAITS}:delete", args=[tier.pk]))
    assert response.status_code == 302
    assert messages_of(response) == [
        "'tier (One of a list)' cannot be deleted: it is used by segment 'Gold members'. Remove it from them first."
    ]
    assert TraitDefinition.objects.filter(pk=tier.pk).exists()

    admin.post(reverse(f"{TRAITS}:delete", args=[unused.pk]))
    assert not TraitDefinition.objects.filter(pk=unused.pk).exists()


def test_scheduling_the_expiry_of_a_segment_in_use_warns_on_save(admin):
    a = SegmentFactory(key="a", name="A", definition={"all": []})
    SegmentFactory(key="b", name="Uses A", definition=MEMBER_OF_A)
    expiry = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    data = {
        "name": "A", "key": "a", "description": "", "priority": str(a.priority), "enabled": "on",
        "definition": '{"all": []}', "go_live_at": "", "expire_at": expiry, "confirm_every_visitor": "on",
    }
    response = admin.post(url("edit", a.pk), data, follow=True)
    assert response.status_code == 200
    warnings = [m for m in messages_of(response) if "set to expire" in m]
    assert warnings == [
        "'A' is set to expire, but it is used by segment 'Uses A': once it expires they will no longer match "
        "anyone. Remove it from them before then."
    ]


def test_the_segment_list_and_the_pages_list_show_each_left_out_segment_and_why(admin, home):
    ChannelFactory(slug="web")
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold"])
    SegmentFactory(key="gold", name="Gold members", definition=GOLD)
    SegmentFactory(key="uses-gold", name="Uses gold", definition={
        "attribute": "segment", "operator": "member_of", "value": "gold"})
    SegmentFactory(key="fine", name="Fine")
    assert "data-left-out-segments" not in admin.get(url("list")).content.decode()

    TraitDefinition.objects.all().delete()  # as from the shell: the admin refuses it

    for page in (url("list"), reverse("personalization_pages")):
        html = admin.get(page).content.decode()
        assert "2 live segments are left out of every decision" in html
        assert 'data-left-out="gold" data-reason="invalid"' in html
        assert "unknown trait &#x27;tier&#x27;" in html and "<code>unknown_trait</code>" in html
        assert 'data-left-out="uses-gold" data-reason="depends_on_left_out"' in html
        assert 'data-left-out="fine"' not in html


def test_renaming_the_key_of_a_segment_other_live_segments_use_is_a_form_error(admin):
    a = SegmentFactory(key="a", name="A", definition={"all": []})
    SegmentFactory(key="b", name="Uses A", definition=MEMBER_OF_A)
    data = {
        "name": "A", "key": "renamed", "description": "", "priority": str(a.priority), "enabled": "on",
        "definition": '{"all": []}', "go_live_at": "", "expire_at": "", "action-publish": "action-publish",
    }
    response = admin.post(url("edit", a.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors["key"] == [
        "Live segments use 'a' (member_of): 'Uses A'. Change them first."
    ]
    a.refresh_from_db()
    assert a.key == "a"


@pytest.mark.parametrize(("change", "refused"), [
    ({"name": "level"}, True),
    ({"type": "number"}, True),
    ({"type": "string"}, False),  # 'equals gold' works on text as on a choice
    ({"description": "Loyalty tier"}, False),
])
def test_renaming_a_trait_or_changing_its_type_under_a_live_segment_is_a_form_error(admin, change, refused):
    tier = TraitDefinition.objects.create(name="tier", type="choice", choices=["gold"])
    SegmentFactory(key="gold", name="Gold members", definition=GOLD)
    data = {"name": "tier", "type": "choice", "description": "", "choices": '["gold"]', "category": "crm", **change}

    response = admin.post(reverse(f"{TRAITS}:edit", args=[tier.pk]), data)

    tier.refresh_from_db()
    if refused:
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [
            "Live segments would no longer work with this change: 'Gold members'. Change them first."
        ]
        assert (tier.name, tier.type) == ("tier", "choice")
    else:
        assert response.status_code == 302, response.context["form"].errors
        assert all(getattr(tier, name) == value for name, value in change.items())


def test_the_trial_beside_a_broken_segment_and_its_dependant_answers_instead_of_failing(admin):
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold"])
    SegmentFactory(key="gold", name="Gold members", definition=GOLD)
    SegmentFactory(key="uses-gold", name="Uses gold", definition={
        "attribute": "segment", "operator": "member_of", "value": "gold"})
    SegmentFactory(key="fine", name="Fine")
    TraitDefinition.objects.all().delete()  # as from the shell: gold breaks, uses-gold with it

    def trial(definition):
        response = admin.post(url("test"), json.dumps({"definition": definition}), content_type="application/json")
        assert response.status_code == 200
        return response.json()

    uses_fine = trial({"attribute": "segment", "operator": "member_of", "value": "fine"})
    assert uses_fine["valid"] is True
    uses_dependant = trial({"attribute": "segment", "operator": "member_of", "value": "uses-gold"})
    assert uses_dependant["valid"] is False
    assert [issue["code"] for issue in uses_dependant["issues"]] == ["uses_left_out"]
    assert "'uses-gold'" in uses_dependant["issues"][0]["message"]
