import pytest
from django.core.cache import cache, caches
from wagtail.models import Page, Site

from tests.factories import HomePageFactory


@pytest.fixture(scope="session", autouse=True)
def _api_responses_match_the_schema():
    """Every `/api/` response of the test clients is checked against the OpenAPI schema (tests/helpers/api_contract.py)."""
    from tests.helpers.api_contract import checking_api_responses

    with checking_api_responses():
        yield


def pytest_terminal_summary(terminalreporter):
    """What checking the responses against the schema cost this run (this process's tests only)."""
    from tests.helpers.api_contract import stats

    if stats.responses:
        terminalreporter.write_line(
            f"API responses checked against the OpenAPI schema: {stats.responses} in {stats.seconds:.2f} s"
        )


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
    """Each test starts with empty caches, fresh stamps, no compiled ruleset and no buffered visits or impressions."""
    from cms.api.generation import content_generation_reset
    from personalization import profiles
    from personalization.events import served
    from personalization.experiments.exposure_buffer import exposures_reset
    from personalization.ruleset_cache import forget_compiled_rules, ruleset_stamp_reset

    cache.clear()
    caches["responses"].clear()
    content_generation_reset()
    ruleset_stamp_reset()
    forget_compiled_rules()
    profiles._buffer.drain()
    served._buffer.take()
    served._tallies.clear()
    exposures_reset()
    yield
    profiles._buffer.drain()  # else the exit hook would flush it into a test database already gone
