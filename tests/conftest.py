import pytest
from django.core.cache import cache
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


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, no compiled ruleset and no buffered visits: nothing carried over."""
    from personalization import profiles
    from personalization.ruleset_cache import forget_compiled_rules

    cache.clear()
    forget_compiled_rules()
    profiles._buffer.drain()
    yield
    profiles._buffer.drain()  # else the exit hook would flush it into a test database already gone
