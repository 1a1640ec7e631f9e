"""Admin sign-in: too many wrong passwords lock a username at an address for a while (django-axes)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client

from cms.api.keys import api_key_create
from tests.factories import ChannelFactory, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"


def sign_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.fixture
def editors():
    return UserFactory(username="alice", superuser=True), UserFactory(username="bob", superuser=True)


def test_the_right_password_is_refused_after_too_many_wrong_ones(settings, editors):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "alice", "wrong").status_code == 200  # the form with its error
    assert sign_in(client, "alice", "wrong").status_code == 429  # the failure that reaches the limit

    response = sign_in(client, "alice", "pass")

    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed sign-in attempts for this account from your address" in body
    assert "Try again in 15 minutes" in body
    assert not signed_in(client)


def test_a_lockout_leaves_other_users_and_other_addresses_alone(settings, editors):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT + 10):
        sign_in(attacker, "alice", "wrong")

    bob = Client(REMOTE_ADDR="203.0.113.7")
    assert sign_in(bob, "bob", "pass").status_code == 302 and signed_in(bob)
    alice_elsewhere = Client(REMOTE_ADDR="198.51.100.1")
    assert sign_in(alice_elsewhere, "alice", "pass").status_code == 302 and signed_in(alice_elsewhere)


def test_the_lock_ends_after_the_cool_off(settings, editors):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", "pass").status_code == 429

    # As if the cool-off had passed since the last failure.
    last_failure = AccessAttempt.objects.get().attempt_time
    AccessAttempt.objects.update(attempt_time=last_failure - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))

    assert sign_in(client, "alice", "pass").status_code == 302 and signed_in(client)


def test_fewer_failures_than_the_limit_do_not_lock(settings, editors):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong")

    assert sign_in(client, "alice", "pass").status_code == 302 and signed_in(client)


def test_the_django_admin_sign_in_is_throttled_too(settings, editors):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/django-admin/login/", {"username": "alice", "password": "wrong"})

    assert client.post("/django-admin/login/", {"username": "alice", "password": "pass"}).status_code == 429


def test_a_locked_address_still_reaches_the_delivery_api(settings, editors):
    channel = ChannelFactory(slug="web")
    _, key = api_key_create(channel=channel, name="web", scopes=["delivery"])
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", "pass").status_code == 429

    response = client.get("/api/v2/images/", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200  # keys are not logins: no lockout applies to them
