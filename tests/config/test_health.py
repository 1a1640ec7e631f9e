import pytest
from django.test import override_settings


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "search"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_unreachable(client, settings):
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Celery prefers CELERY_BROKER_URL from the environment over broker_url: set the write URL it uses.
    old_url, old_write = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url, app.conf.broker_write_url = old_url, old_write
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"socket_connect_timeout": 0.5}}})
def test_readyz_is_503_when_the_cache_is_unreachable(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "fail"


# What ELASTICSEARCH_URL configures (config.settings), pointed at a port where nothing listens.
UNREACHABLE_SEARCH = {
    "default": {
        "BACKEND": "wagtail.search.backends.elasticsearch9", "URLS": ["http://127.0.0.1:1"], "INDEX_PREFIX": "tailor_",
        "TIMEOUT": 1, "OPTIONS": {}, "INDEX_SETTINGS": {},
    }
}


@pytest.mark.django_db
@override_settings(WAGTAILSEARCH_BACKENDS=UNREACHABLE_SEARCH)
def test_readyz_is_503_when_the_search_cluster_is_unreachable(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["search"]["status"] == "fail"
