"""Schemathesis against /api/schema/, in-process: no 5xx, and every response matches the schema.

The app runs through Django's test handler (so it shares the test's database
transaction) wrapped as a WSGI app, and schemathesis loads the schema from the live
`/api/schema/` endpoint. A small site is seeded with every block type, image,
document, snippet and a placement, so bodies are checked against their typed schemas;
the `test_known_objects_match_the_schema` test asks for each seeded object by id, and
`test_a_decision_matches_the_schema` for the seeded placement, which random input
would rarely hit.

The run is derandomized (a fixed seed, no example database) so that CI sees the same
requests every time. Besides "no 5xx, responses as documented", it checks that the
schema says what the API accepts: schema-invalid requests are refused
(`negative_data_rejection`) and schema-valid ones accepted (`positive_data_acceptance`),
except for the rules between parameters that OpenAPI cannot state (DEPENDENT_PARAMETERS
in cms/api/schema/parameters.py, which the listings' descriptions give).
"""

import json
import re
import sys
from datetime import timedelta

import pytest
import schemathesis
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.signals import got_request_exception
from django.test import Client
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from wagtail import blocks
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model

from cms.api.keys import api_key_create
from cms.api.problems import PROBLEM_CONTENT_TYPE
from cms.api.router import api_router
from cms.blocks import campaign_blocks, content_blocks
from cms.models import ArticlePage, Author, CallToAction, Promo
from personalization.models import Placement
from tests.factories import (
    ArticlePageFactory,
    ChannelFactory,
    ImageFactory,
    LandingPageFactory,
    SectionPageFactory,
    SegmentFactory,
)

pytestmark = pytest.mark.django_db

# Wagtail's 400s for schema-valid requests that break a rule between parameters (or name a page
# that is not there): the listings' descriptions state these rules, OpenAPI 3.0 cannot.
DEPENDENT_PARAMETER_ERRORS = re.compile(
    r"random ordering with offset is not supported"
    r"|filtering by tag with a search query is not supported"
    r"|cannot (filter|order) by '\w+' while searching \(field is not indexed\)"
    r"|filtering by descendant_of with child_of is not supported"
    r"|^(parent|ancestor|descendant|translation_of) page doesn't exist$"
)


@schemathesis.check
def schema_valid_data_accepted(ctx, response, case):
    """`positive_data_acceptance`, but for the documented rules between parameters."""
    if response.status_code == 400 and DEPENDENT_PARAMETER_ERRORS.search(response.json().get("detail", "")):
        return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def schema_invalid_data_refused(ctx, response, case):
    """`negative_data_rejection`, but for `search_operator` without `search`: Wagtail ignores it,
    and tests/cms/api/test_wagtail_compat.py holds the API to Wagtail's answers."""
    query = case.query or {}
    if "search_operator" in query and "search" not in query:
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# The random run also holds the schema to what the API accepts and refuses.
FUZZ_CHECKS = [*CHECKS, schema_invalid_data_refused, schema_valid_data_accepted]
MAX_EXAMPLES = 20  # with the coverage phase: about 40 s of CPU for every operation together
RAW_KEY = "tlr_schemath_" + "k" * 32  # created by the `seeded` fixture


class DjangoTestApp:
    """Django's test handler as a WSGI app: requests share the test's database transaction.

    `last_exception` is the exception behind the last 500, so a test can tell a known bug
    from a new one.
    """

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=False)
        self.last_exception: BaseException | None = None

    def _record(self, sender, **kwargs) -> None:
        self.last_exception = sys.exc_info()[1]

    def __call__(self, environ, start_response):
        self.last_exception = None
        got_request_exception.connect(self._record, dispatch_uid="schemathesis-app")
        try:
            response = self.handler(environ)
        finally:
            got_request_exception.disconnect(dispatch_uid="schemathesis-app")
        headers = [(name, value) for name, value in response.items()]
        headers += [("Set-Cookie", morsel.OutputString()) for morsel in response.cookies.values()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]


def sample_value(block, objects: dict):
    """A stored (JSON) value for `block` that exercises every child, built from the block definition."""
    from cms.blocks import CallToActionChooserBlock, ChannelImageChooserBlock, PromoChooserBlock

    if isinstance(block, blocks.StreamBlock):
        return [
            {"type": name, "value": sample_value(child, objects)}
            for name, child in block.child_blocks.items()
        ]
    if isinstance(block, blocks.ListBlock):
        return [sample_value(block.child_block, objects)]
    if isinstance(block, blocks.StructBlock):
        return {name: sample_value(child, objects) for name, child in block.child_blocks.items()}
    if isinstance(block, ChannelImageChooserBlock):
        return objects["image"].pk
    if isinstance(block, CallToActionChooserBlock):
        return objects["cta"].pk
    if isinstance(block, PromoChooserBlock):
        return objects["promo"].pk
    if isinstance(block, blocks.RichTextBlock):
        return f'<p>See <a linktype="page" id="{objects["section"].pk}">guides</a>.</p>'
    if isinstance(block, blocks.URLBlock):  # EmbedBlock too: stored as its URL, never fetched by the API
        return "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    if isinstance(block, blocks.ChoiceBlock):
        return block.get_default() or ""
    if isinstance(block, (blocks.CharBlock, blocks.TextBlock)):
        return f"Sample {block.name or 'text'}"
    return block.get_prep_value(block.get_default())


@pytest.fixture
def channel_key(home, settings):
    """The test key (RAW_KEY), a delivery key on a channel with two rendition presets."""
    settings.API_RATE_LIMIT = 1_000_000  # hundreds of requests on one key
    channel = ChannelFactory(
        slug="schemathesis", presets=[("hero", "width-40|format-webp"), ("card", "fill-10x10")]
    )
    api_key_create(channel=channel, name="schemathesis", scopes=["delivery"], raw_key=RAW_KEY)
    cache.clear()  # a fresh content generation: nothing cached from earlier tests
    return channel


@pytest.fixture
def seeded(channel_key, home):
    """A small site: a section, an article and a landing page that use every block type."""
    image = ImageFactory(title="Hero")
    image.tags.add("campaign")
    section = SectionPageFactory(parent=home, title="Guides", summary="Guides")
    cta = CallToAction.objects.create(title="Try it", button_label="Go", link_page=section)
    promo = Promo.objects.create(
        title="Promo", body="<p>Save <b>now</b></p>", image=image, link_url="https://example.com/"
    )
    objects = {"image": image, "cta": cta, "promo": promo, "section": section}
    author = Author.objects.create(name="Ada", role="Editor")
    article = ArticlePageFactory(
        parent=section,
        title="Journeys",
        hero_image=image,
        body=sample_value(blocks.StreamBlock(content_blocks()), objects),
    )
    article.authors.add(author)
    article.tags.add("guides")
    article.save_revision().publish()
    landing = LandingPageFactory(
        parent=home,
        title="Spring campaign",
        body=sample_value(blocks.StreamBlock(campaign_blocks()), objects),
    )
    document = get_document_model().objects.create(
        title="Terms", file=ContentFile(b"%PDF-1.4 terms", name="terms.pdf")
    )
    seed_placement(objects)
    redirects = [
        Redirect.objects.create(old_path="/old-guides", redirect_page=section),
        Redirect.objects.create(old_path="/gone", redirect_link="https://example.com/", is_permanent=False),
    ]
    cache.clear()  # a fresh content generation after seeding
    return {
        "ids": {
            "pages": [home.pk, section.pk, article.pk, landing.pk],
            "images": [image.pk],
            "documents": [document.pk],
            "snippets/call-to-actions": [cta.pk],
            "snippets/promos": [promo.pk],
            "redirects": [redirect.pk for redirect in redirects],
        },
    }


def seed_placement(objects: dict) -> Placement:
    """A placement whose default and whose one variant (for mobile visitors) use every content block."""
    segment = SegmentFactory(
        key="on-mobile", name="On mobile", priority=10,
        definition={"attribute": "device", "operator": "equals", "value": "mobile"},
    )
    stream_block = Placement._meta.get_field("default").stream_block
    content = sample_value(stream_block, objects)
    variants = Placement._meta.get_field("variants").stream_block.to_python(
        [{"type": "variant", "value": {"segments": [segment.pk], "channels": [], "content": content}}]
    )
    return Placement.objects.create(key="home-hero", name="Home hero", default=content, variants=variants)


def load_schema():
    """The schema as /api/schema/ serves it, with the app to call and the test key's header on every case.

    Loaded at collection (schemathesis' pytest integration parametrizes from a loaded schema;
    its fixture-based loader does not run on pytest 9), so it is generated directly: no
    database is needed for that. tests/cms/api/test_schema.py checks /api/schema/ serves
    the same document.
    """
    from drf_spectacular.generators import SchemaGenerator

    config = schemathesis.Config.from_dict(
        {
            "headers": {"Authorization": f"Bearer {RAW_KEY}"},
            # valid input (must conform) and invalid input (must be a documented 4xx, never a 5xx)
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        }
    )
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(public=True), config=config)
    loaded.app = APP
    # The delivery endpoints (Wagtail's router), the decide and search endpoints, all on RAW_KEY's channel.
    endpoints = "|".join([*map(re.escape, api_router._endpoints), "personalize/decide", "search"])
    return loaded.include(path_regex=rf"^/api/v2/({endpoints})/")


DECIDE_PATH = "/api/v2/personalize/decide/"
APP = DjangoTestApp()
api_schema = load_schema()


@api_schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # a fixed seed: CI sends the same requests every run
    database=None,  # and nothing learnt from an earlier run on this machine
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_schema(case, seeded):
    response = case.call()
    case.validate_response(response, checks=FUZZ_CHECKS)
    if response.status_code >= 400:
        assert response.headers["content-type"] == [PROBLEM_CONTENT_TYPE], response.text


BAD_INPUT = [
    "/api/v2/pages/find/?id=null",
    "/api/v2/images/find/?id=abc",
    "/api/v2/pages/?first_published_at=yesterday",
    "/api/v2/pages/?type=cms.ArticlePage&publish_date=x",
    "/api/v2/pages/?type=cms.ArticlePage&authors=x",
    "/api/v2/images/?renditions=abc",
    "/api/v2/pages/9223372036854775808/",
    "/api/v2/pages/?alias_of=99999999999999999999",
    "/api/v2/pages/?search=%22",
    "/api/v2/pages/?search=%00",
    "/api/v2/images/?search=%00",
    "/api/v2/pages/?locale=%00",
    "/api/v2/pages/?site=%00",
    "/api/v2/pages/find/?html_path=%00",
    # A superscript digit passes str.isdigit() but not int(); a 5,000-digit id passes neither
    # Python's int-string limit nor a 64-bit column.
    *(f"/api/v2/{endpoint}/?id=%C2%B9" for endpoint in api_router._endpoints if endpoint != "page_preview"),
    *(f"/api/v2/{endpoint}/find/?id=%C2%B9" for endpoint in api_router._endpoints if endpoint != "page_preview"),
    "/api/v2/pages/?id=" + "9" * 5000,
    "/api/v2/pages/find/?id=" + "9" * 5000,
    "/api/v2/pages/" + "9" * 4000 + "/",
    "/api/v2/pages/?site=localhost:%C2%B9",
    "/api/v2/pages/?child_of=%C2%B9",
    "/api/v2/pages/?limit=%C2%B9",
    # Integers beyond 64 bits: SQLite raises OverflowError when the query runs.
    "/api/v2/pages/?type=cms.ArticlePage&authors=99999999999999999999",
    "/api/v2/pages/?type=cms.ArticlePage&authors=-99999999999999999999",
    "/api/v2/pages/?type=cms.ArticlePage&authors=%C2%B9",
    "/api/v2/pages/?id=99999999999999999999",
    "/api/v2/images/?width=99999999999999999999",
    "/api/v2/images/?collection=99999999999999999999",
    # Search: hostile queries (tests/search/test_search_hostile.py has more).
    "/api/v2/search/?q=" + "x" * 10_000,
    "/api/v2/search/?q=%22",
    "/api/v2/search/?q=%00",
    "/api/v2/search/?q=a&limit=%C2%B9",
    "/api/v2/search/?q=a&offset=99999999999999999999",
    "/api/v2/search/?q=a&locale=%00",
    "/api/v2/search/suggest/?q=" + "x" * 10_000,
    "/api/v2/search/suggest/?q=(",
    # The browsable API (Wagtail's second renderer) must not turn a problem into HTML.
    "/api/v2/pages/?id=x&format=api",
]


def test_a_date_time_filter_takes_any_rfc_3339_offset(seeded):
    """PostgreSQL refuses offsets of 16 hours or more (schemathesis found the 500): the filter compares in UTC."""
    published = ArticlePage.objects.live().order_by("first_published_at").first().first_published_at
    same_instant = (published - timedelta(hours=23, minutes=25)).replace(tzinfo=None).isoformat() + "-23:25"
    response = Client().get(
        "/api/v2/pages/", {"type": "cms.ArticlePage", "first_published_at": same_instant},
        HTTP_AUTHORIZATION=f"Bearer {RAW_KEY}",
    )
    assert response.status_code == 200
    assert response.json()["meta"]["total_count"] >= 1


@pytest.mark.parametrize("path", BAD_INPUT)
def test_bad_input_never_answers_500(seeded, path):
    response = Client(raise_request_exception=False).get(path, HTTP_AUTHORIZATION=f"Bearer {RAW_KEY}")
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
        assert response.json()["status"] == response.status_code


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v2/pages/?id=%C2%B9", "field filter error. '¹' is not a valid value for id (invalid literal for int() with base 10: '¹')"),
        ("/api/v2/images/?id=%C2%B9", "field filter error. '¹' is not a valid value for id (invalid literal for int() with base 10: '¹')"),
        ("/api/v2/pages/find/?id=%C2%B9", "id must be a positive integer"),
        (
            "/api/v2/pages/?type=cms.ArticlePage&authors=99999999999999999999",
            "field filter error. '99999999999999999999' is not a valid value for authors (out of range)",
        ),
        (
            "/api/v2/pages/?first_published_at=9999-12-31T23%3A00%3A00-23%3A00",
            "field filter error. '9999-12-31T23:00:00-23:00' is not a valid value for first_published_at (out of range)",
        ),
    ],
)
def test_bad_ids_are_400s_in_wagtails_words(seeded, path, message):
    response = Client(raise_request_exception=False).get(path, HTTP_AUTHORIZATION=f"Bearer {RAW_KEY}")
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM_CONTENT_TYPE)
    assert response.json()["message"] == response.json()["detail"] == message


# Every method on paths under /api/ that no endpoint serves, and on endpoints that do not take it.
UNKNOWN_PATHS = ["/api/v2/event/", "/api/nothing", "/api/v2/pages", "/api/v2/", "/api/v2/pages/1/nested/"]
WRONG_METHODS = [
    ("/api/v2/pages/", "GET, HEAD, OPTIONS"),
    ("/api/v2/pages/find/", "GET, HEAD, OPTIONS"),
    ("/api/v2/images/1/", "GET, HEAD, OPTIONS"),
    ("/api/v2/personalize/decide/", "POST, OPTIONS"),
    ("/api/schema/", "GET, HEAD, OPTIONS"),
]


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_unknown_api_paths_are_404_problems_for_every_method(channel_key, path, method):
    # A browser-like client that enforces CSRF: the key-authenticated API has no CSRF check.
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {RAW_KEY}")
    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM_CONTENT_TYPE), response.content
    assert response.json()["detail"] == "no API endpoint at this path"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(("path", "allow"), WRONG_METHODS)
def test_wrong_methods_are_405_problems_naming_the_allowed_ones(channel_key, path, allow, method):
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    if (path, method) == ("/api/v2/personalize/decide/", "post"):
        method = "get"
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {RAW_KEY}")
    assert (response.status_code, response["Content-Type"]) == (405, PROBLEM_CONTENT_TYPE), response.content
    assert response["Allow"] == allow
    assert json.loads(response.content)["status"] == 405  # JSON, whatever the view renders (the schema: YAML)


def test_a_bug_under_api_is_a_500_problem(channel_key, monkeypatch):
    from cms.api.views import DeliveryImagesViewSet

    def broken(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(DeliveryImagesViewSet, "listing_view", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/api/v2/images/", HTTP_AUTHORIZATION=f"Bearer {RAW_KEY}")
    assert (response.status_code, response["Content-Type"]) == (500, PROBLEM_CONTENT_TYPE)
    assert response.json()["detail"] == "internal error"  # nothing about the exception


def test_a_disallowed_host_is_a_400_problem_under_api_only(channel_key):
    client = Client(raise_request_exception=False)
    api = client.get("/api/v2/pages/", HTTP_AUTHORIZATION=f"Bearer {RAW_KEY}", HTTP_HOST="evil..example")
    assert (api.status_code, api["Content-Type"]) == (400, PROBLEM_CONTENT_TYPE)
    site = client.get("/", HTTP_HOST="evil..example")
    assert site.status_code == 400 and site["Content-Type"].startswith("text/html")


def test_known_objects_match_the_schema(seeded):
    """Every seeded object, listed with all fields and fetched by id, matches its typed schema."""
    auth = {"Authorization": f"Bearer {RAW_KEY}"}
    checked = 0
    for endpoint, ids in seeded["ids"].items():
        listing = api_schema[f"/api/v2/{endpoint}/"]["GET"]
        queries = [{"fields": "*", "limit": 100}]
        if endpoint == "pages":
            queries += [
                {"type": page_type, "fields": "*"} for page_type in ("cms.ArticlePage", "cms.LandingPage")
            ]
        for query in queries:
            case = listing.Case(query=query)
            response = case.call(headers=auth)
            assert response.status_code == 200, response.text
            assert response.json()["meta"]["total_count"] >= 1
            case.validate_response(response, checks=CHECKS, headers=auth)
            checked += 1
        detail = api_schema[f"/api/v2/{endpoint}/{{id}}/"]["GET"]
        for pk in ids:
            case = detail.Case(path_parameters={"id": pk})
            response = case.call(headers=auth)
            assert response.status_code == 200, response.text
            case.validate_response(response, checks=CHECKS, headers=auth)
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("explain", [False, True])
def test_a_decision_matches_the_schema(seeded, explain):
    """The seeded placement, chosen by its variant and by default, matches the typed decide response."""
    operation = api_schema[DECIDE_PATH]["POST"]
    auth = {"Authorization": f"Bearer {RAW_KEY}"}
    chosen = {}
    for device in ("mobile", "desktop"):
        context = {"device": device, "visitor_id": "v1"}
        body = {"context": context, "placements": ["home-hero", "nope"], "explain": explain}
        case = operation.Case(body=body, media_type="application/json")
        response = case.call(headers=auth)
        assert response.status_code == 200, response.text
        case.validate_response(response, checks=CHECKS, headers=auth)
        chosen[device] = response.json()["placements"]["home-hero"]
        assert response.json()["unknown_placements"] == ["nope"]
        assert ("explain" in response.json()) is explain
    assert (chosen["mobile"]["variant"], chosen["desktop"]["variant"]) == ("v1", None)
    block_types = [block["type"] for block in chosen["desktop"]["content"]]
    assert block_types == list(Placement._meta.get_field("default").stream_block.child_blocks)


def decide_body(**context) -> str:
    return json.dumps({"context": context, "placements": ["home-hero"]})


# Bodies (and WSGI environ) that schemathesis would rarely build: each must be a 4xx problem.
BAD_DECIDE_BODIES = {
    "nested deeper than the JSON decoder goes": ("[" * 60_000, {}),
    "a time zone that is a directory": (decide_body(timezone="America"), {}),
    "an unknown time zone": (decide_body(timezone="Mars/Olympus"), {}),
    "a null character": (decide_body(device="\x00"), {}),
    "a context that is not an object": (json.dumps({"context": [], "placements": ["home-hero"]}), {}),
    "a body that is not an object": (json.dumps(["home-hero"]), {}),
    "an unparseable Content-Length": (decide_body(), {"CONTENT_LENGTH": "many"}),
}


@pytest.mark.parametrize("body, environ", BAD_DECIDE_BODIES.values(), ids=BAD_DECIDE_BODIES)
def test_bad_decide_bodies_never_answer_500(seeded, body, environ):
    response = Client(raise_request_exception=False).post(
        DECIDE_PATH, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {RAW_KEY}", **environ
    )
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
