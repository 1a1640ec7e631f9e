import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from wagtail.models import Site

from cms.demo import demo_counts, demo_password, demo_seed
from cms.models import ArticlePage, LandingPage


@pytest.mark.django_db
def test_seed_twice_gives_the_same_content_and_reset_starts_over():
    first = demo_seed().counts
    assert first["articles"] >= 20
    assert first["landing pages"] == 3
    assert first["channels"] == 4
    assert demo_seed().counts == first
    assert demo_seed(reset=True).counts == first
    assert demo_counts() == first


@pytest.mark.django_db
def test_demo_site_is_live_with_logins_per_role():
    summary = demo_seed(port=8123)
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific_class.__name__ == "HomePage"
    assert site.root_url == "http://127.0.0.1:8123"  # the API's html_url and detail_url are working links
    assert ArticlePage.objects.live().count() == summary.counts["articles"]
    assert LandingPage.objects.live().count() == 3
    sign_in = RequestFactory().post("/admin/login/")  # login throttling (django-axes) needs the request
    for username in ("editor", "cco", "marketer", "developer", "admin"):
        assert authenticate(sign_in, username=username, password=demo_password(username)) is not None
