"""Webhooks in the Wagtail admin: superusers and Developers manage them; the delivery log is read-only."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from cms.models import Webhook, WebhookDelivery
from cms.roles import DEVELOPERS, EDITORS, MARKETERS
from tests.factories import ChannelFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def developer():
    return UserFactory(username="dev", role=DEVELOPERS)


@pytest.fixture
def webhook():
    return Webhook.objects.create(name="Storefront", url="https://shop.example/hook", secret="s")


def _form(**fields) -> dict:
    data = {"name": "Mobile app", "url": "https://app.example/revalidate", "secret": "k", "active": "on"}
    data.update(fields)
    return data


@pytest.mark.parametrize("superuser", [True, False], ids=["superuser", "developer"])
def test_webhooks_are_created_with_event_checkboxes_and_a_channel(client, superuser):
    user = UserFactory(superuser=True) if superuser else UserFactory(role=DEVELOPERS)
    channel = ChannelFactory(slug="mobile")
    client.force_login(user)

    form = client.get(reverse("webhooks:add"))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'type="checkbox" name="events" value="page.published"' in html
    assert 'type="checkbox" name="events" value="rules.changed"' in html
    assert len(form.context["form"].initial["secret"]) >= 32  # a strong secret is proposed

    response = client.post(
        reverse("webhooks:add"), _form(events=["page.published", "page.moved"], channel=channel.pk)
    )

    assert response.status_code == 302
    webhook = Webhook.objects.get(name="Mobile app")
    assert webhook.events == ["page.published", "page.moved"]
    assert (webhook.channel, webhook.active) == (channel, True)


def test_editing_keeps_events_ticked(client, developer, webhook):
    webhook.events = ["page.deleted"]
    webhook.save()
    client.force_login(developer)

    html = client.get(reverse("webhooks:edit", args=[webhook.pk])).content.decode()
    ticked = re.findall(r'<input type="checkbox" name="events" value="([a-z.]+)"[^>]* checked>', html)
    assert ticked == ["page.deleted"]

    response = client.post(reverse("webhooks:edit", args=[webhook.pk]), _form(name="Storefront", events=[]))
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert webhook.events == []  # none ticked: every event


def test_only_http_urls_are_accepted(client, developer):
    client.force_login(developer)

    response = client.post(reverse("webhooks:add"), _form(url="ftp://files.example/hook"))

    assert response.status_code == 200
    assert "http or https only" in response.content.decode()
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("role", [EDITORS, MARKETERS])
def test_other_roles_cannot_reach_webhooks(client, role, webhook):
    client.force_login(UserFactory(role=role))

    for url in (
        reverse("webhooks:index"),
        reverse("webhooks:add"),
        reverse("webhooks:edit", args=[webhook.pk]),
        reverse("webhook_deliveries:index"),
    ):
        assert client.get(url).status_code in (302, 403), url
    assert client.post(reverse("webhooks:add"), _form()).status_code in (302, 403)
    assert Webhook.objects.count() == 1
    assert "Webhooks" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_delivery_log_lists_and_filters_attempts(client, developer, webhook):
    failed = WebhookDelivery.objects.create(
        webhook=webhook, event_id="e1", event="page.published", attempt=1, status_code=500, error="HTTP 500"
    )
    WebhookDelivery.objects.create(
        webhook=webhook, event_id="e1", event="page.published", attempt=2, status_code=200, succeeded=True
    )
    client.force_login(developer)
    assert "Webhooks" in client.get(reverse("wagtailadmin_home")).content.decode()

    everything = client.get(reverse("webhook_deliveries:index"))
    only_failed = client.get(reverse("webhook_deliveries:index"), {"succeeded": "false", "webhook": webhook.pk})

    assert everything.status_code == only_failed.status_code == 200
    assert list(everything.context["object_list"]) == list(WebhookDelivery.objects.all())
    assert list(only_failed.context["object_list"]) == [failed]
    inspect = client.get(reverse("webhook_deliveries:inspect", args=[failed.pk]))
    assert inspect.status_code == 200
    assert "HTTP 500" in inspect.content.decode()


def test_delivery_log_is_read_only_even_for_superusers(client, webhook):
    delivery = WebhookDelivery.objects.create(webhook=webhook, event_id="e1", event="page.published", attempt=1)
    client.force_login(UserFactory(superuser=True))

    for name in ("add", "edit", "delete", "copy"):
        with pytest.raises(NoReverseMatch):
            reverse(f"webhook_deliveries:{name}", args=[] if name == "add" else [delivery.pk])
    index = client.get(reverse("webhook_deliveries:index")).content.decode()
    assert "/admin/webhook_deliveries/edit/" not in index
    assert client.get(f"/admin/webhook_deliveries/delete/{delivery.pk}/").status_code == 404
