import pytest
from wagtail.models import Page, Site

from tests.factories import HomePageFactory


@pytest.fixture
def home(db):
    """A published home page as the default site's root."""
    page = HomePageFactory(title="Home", slug="test-home")
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": page})
    return page


@pytest.fixture
def root_page(db):
    return Page.objects.get(depth=1)
