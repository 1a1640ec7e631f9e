"""Differential contract test: Tailor's /api/v2/ against Wagtail 7.4's stock API v2.

PRODUCT.md ("What existing Wagtail API v2 clients rely on") makes Wagtail's own
behaviour the reference. tests/helpers/reference_urls.py mounts the stock
`PagesAPIViewSet`, `ImagesAPIViewSet` and `DocumentsAPIViewSet` under
/reference/api/v2/ over the same database; every request of the corpus below goes
to both (ours with a delivery key of a channel that has no overrides, the stock one
without a key), and the status codes and bodies must agree after the normalisations
in `normalise()`, each of which is explained where it is made.

Known, deliberate differences, tested on their own below:
- the page size cap: stock caps `limit` at 20, Tailor at API_LIMIT_MAX (100); the
  corpus therefore only uses limits both accept;
- `find` redirects: stock builds an absolute Location from the site's root URL, Tailor
  answers a relative one (clients drop Authorization on a cross-origin redirect).
"""

import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page
from wagtail.rich_text import RichText

from cms.api.generation import content_generation_bump
from cms.api.keys import api_key_create
from cms.models import Author, PageChannelOverride
from tests.factories import ArticlePageFactory, ChannelFactory, ImageFactory, LandingPageFactory, SectionPageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_urls")]

OURS = "/api/v2/"
STOCK = "/reference/api/v2/"


@pytest.fixture
def reference_urls():
    with override_settings(ROOT_URLCONF="tests.helpers.reference_urls"):
        yield


# --- the site both APIs serve ------------------------------------------------------------


@pytest.fixture
def site(home, django_capture_on_commit_callbacks):
    """Sections, articles of several types, tags, authors, an image and a document.

    On-commit work (search indexing, content generation bumps) is run as a commit would.
    """
    with django_capture_on_commit_callbacks(execute=True):
        site = _seed(home)
    content_generation_bump()  # test transactions never commit: stand in for the commit's bump
    return site


def _seed(home) -> dict:
    hero = ImageFactory(title="Harbour at dawn", alt_text="Boats in a harbour")
    other_image = ImageFactory(title="Kiosk screen")
    document = get_document_model().objects.create(title="Journey template", file=ContentFile(b"%PDF-1.4\n", name="journey.pdf"))
    amara = Author.objects.create(name="Amara Okafor", role="Head of Customer Insight")
    lukas = Author.objects.create(name="Lukas Brenner", role="Service Designer")

    guides = SectionPageFactory(parent=home, title="Guides", slug="guides", show_in_menus=True, summary="Playbooks")
    stories = SectionPageFactory(parent=home, title="Customer stories", slug="customer-stories", show_in_menus=True)
    archive = SectionPageFactory(parent=guides, title="Archive", slug="archive")

    journey = ArticlePageFactory(
        parent=guides,
        title="Mapping the customer journey",
        slug="mapping-the-customer-journey",
        seo_title="Journey mapping",
        search_description="How to map journeys",
        hero_image=hero,
        publish_date="2025-03-01",
        body=[
            ("heading", "Start from moments"),
            ("paragraph", RichText(f'<p>Read the <a linktype="page" id="{stories.pk}">stories</a> first.</p>')),
            ("image", {"image": hero, "caption": "Dawn"}),
            ("quote", {"quote": "Context gets lost at every switch.", "attribution": "Amara"}),
        ],
    )
    journey.tags.add("journeys", "omnichannel")
    journey.authors.add(amara, lukas)
    journey.save_revision().publish()

    once = ArticlePageFactory(parent=guides, title="Writing once for every screen", slug="writing-once", publish_date="2025-02-10")
    once.tags.add("omnichannel")
    once.authors.add(lukas)
    once.save_revision().publish()

    ArticlePageFactory(parent=guides, title="Zebra crossings of content", slug="zebra", show_in_menus=True)
    ArticlePageFactory(parent=archive, title="Archived journey notes", slug="archived-notes")
    story = ArticlePageFactory(parent=stories, title="A bank that listened", slug="bank", hero_image=other_image)
    story.tags.add("banking")
    story.save_revision().publish()
    campaign = LandingPageFactory(parent=home, title="Spring campaign", slug="spring", hero_image=hero)
    ArticlePageFactory(parent=guides, title="Unpublished draft", slug="draft", live=False)

    return {
        "home": home, "guides": guides, "stories": stories, "archive": archive, "journey": journey,
        "once": once, "story": story, "campaign": campaign, "hero": hero, "image": other_image,
        "document": document,
    }


@pytest.fixture
def key(site) -> str:
    """A delivery key on a channel with no overrides and no rendition presets."""
    channel = ChannelFactory(slug="plain", name="Plain")
    return api_key_create(channel=channel, name="compat", scopes=["delivery"])[1]


# --- sending a request to both -----------------------------------------------------------


def fetch(path: str, key: str):
    """(ours, stock) responses to the same endpoint path and query."""
    ours = Client(raise_request_exception=False).get(OURS + path, HTTP_AUTHORIZATION=f"Bearer {key}")
    stock = Client(raise_request_exception=False).get(STOCK + path)
    return ours, stock


def q(endpoint: str, **params) -> str:
    return endpoint + ("?" + urlencode(params) if params else "")


# --- normalisation ------------------------------------------------------------------------

_ORIGIN = re.compile(r"^https?://[^/]+")
_ANCHOR = re.compile(r"<a\b[^>]*>")
# Fields only Tailor's images endpoint has (alt text, credit, the channel's renditions).
TAILOR_IMAGE_FIELDS = {"alt_text", "credit", "renditions"}


def _url(value: str) -> str:
    # The host part goes: it depends on the Site, not on the API. Absolute stays told
    # apart from relative ("<origin>"), since clients rely on which download URLs are which.
    value = _ORIGIN.sub("<origin>", value)
    # The mount point is the only difference in the URLs the two APIs build.
    return value.replace(STOCK, OURS)


def _strings(value):
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v) for v in value]
    if isinstance(value, str) and (value.startswith(("http://", "https://", "/")) or STOCK in value):
        return _url(value)
    return value


def _image_id(value):
    # Tailor expands an image to the channel's shape (id, title, alt, credit, size, focal
    # point, renditions); stock shows the same image by id (our models' api_fields give
    # `{"id": n}` for hero_image, ImageChooserBlock gives `n` in StreamField). Compare ids.
    if isinstance(value, dict) and "renditions" in value:
        return value["id"]
    return value


def _page(item: dict, *, ours: bool) -> dict:
    item = dict(item)
    if ours and "personalization" in item.get("meta", {}):
        # Tailor adds meta.personalization (matched segments, chosen variants) beside
        # Wagtail's meta keys, never in place of them (PRODUCT.md).
        # With `fields=_,…` stock has no meta at all; Tailor's meta then holds only that.
        item["meta"] = {k: v for k, v in item["meta"].items() if k != "personalization"}
        if not item["meta"]:
            del item["meta"]
    if ours and isinstance(item.get("hero_image"), dict):
        item["hero_image"] = {"id": item["hero_image"]["id"]}
    if isinstance(item.get("body"), list):
        item["body"] = [_block(block, ours=ours) for block in item["body"]]
    return item


def _block(block: dict, *, ours: bool) -> dict:
    block = dict(block)
    if block.get("type") == "image" and ours:
        block["value"] = {**block["value"], "image": _image_id(block["value"]["image"])}
    if block.get("type") == "paragraph":
        # Tailor rewrites internal links to the page's URL and API URL (issue 3: "rich text
        # comes back as HTML whose internal page links … are rewritten to API-usable URLs");
        # stock returns the database form (<a linktype="page" id="…">). The text and the
        # markup around the anchors must still agree.
        block["value"] = _ANCHOR.sub("<a>", block["value"])
    return block


def _image(item: dict, *, ours: bool) -> dict:
    return {k: v for k, v in item.items() if not (ours and k in TAILOR_IMAGE_FIELDS)}


def normalise(endpoint: str, body, *, ours: bool):
    shape = {"pages": _page, "images": _image, "documents": lambda item, ours: item}[endpoint]
    body = _strings(body)
    if "items" in body:
        # A pages listing's meta.personalization is Tailor's addition beside total_count.
        meta = {k: v for k, v in body["meta"].items() if not (ours and k == "personalization")}
        return {**body, "meta": meta, "items": [shape(item, ours=ours) for item in body["items"]]}
    return shape(body, ours=ours)


def differences(path: str, key: str) -> list[str]:
    """What differs between ours and stock for one request, after normalisation."""
    ours, stock = fetch(path, key)
    where = f"{path}: "
    if stock.status_code >= 500:
        # Stock Wagtail crashes on some bad input; PRODUCT.md: "never a 500 for bad input".
        # There Tailor must answer a 400 problem with a message instead.
        if ours.status_code == 400 and ours.json().get("message"):
            return []
        return [where + f"stock {stock.status_code}, ours {ours.status_code} (expected a 400 problem): {ours.content[:300]!r}"]
    if ours.status_code != stock.status_code:
        return [where + f"status {ours.status_code} (stock {stock.status_code}): ours {ours.content[:300]!r} stock {stock.content[:300]!r}"]
    if stock.status_code >= 400:
        # Tailor answers problem details (type, title, status, detail) and carries
        # Wagtail's text in `message`, which is what stock clients read.
        expected, got = stock.json(), ours.json()
        assert set(expected) == {"message"}, expected
        return [] if got.get("message") == expected["message"] else [where + f"message {got.get('message')!r} (stock {expected['message']!r})"]
    if stock.status_code in (301, 302):
        ours_location, stock_location = urlsplit(ours["Location"]), urlsplit(stock["Location"])
        same = (ours_location.path, ours_location.query) == (_url(stock_location.path), stock_location.query)
        return [] if same else [where + f"Location {ours['Location']} (stock {stock['Location']})"]
    endpoint = path.split("/")[0].split("?")[0]
    ours_body, stock_body = normalise(endpoint, ours.json(), ours=True), normalise(endpoint, stock.json(), ours=False)
    if "order=random" in path:
        # A random order differs from run to run: compare what was chosen, not in which order.
        ours_body["items"].sort(key=lambda item: item["id"])
        stock_body["items"].sort(key=lambda item: item["id"])
    if ours_body != stock_body:
        return [where + f"body\n  ours:  {ours_body}\n  stock: {stock_body}"]
    return []


# --- the corpus ----------------------------------------------------------------------------


def corpus(s: dict) -> list[str]:
    """Every parameter and error case of PRODUCT.md's list, for pages, images and documents."""
    home, guides, journey = s["home"].pk, s["guides"].pk, s["journey"].pk
    locale = Locale.get_default().language_code
    pages = [
        # listings and the fields grammar
        q("pages/"),
        q("pages/", fields="*"),
        q("pages/", fields="_"),
        q("pages/", fields="_,id,title"),
        q("pages/", fields="-title"),
        q("pages/", fields="-title,-html_url,-slug"),
        q("pages/", fields="*,-title"),
        q("pages/", fields="show_in_menus,seo_title"),
        q("pages/", fields="parent"),  # detail-only: unknown in a listing
        q("pages/", fields="nonsense"),
        q("pages/", fields="title(id)"),  # nested fields on a non-relation
        q("pages/", fields="title,"),
        q("pages/", fields="(title"),
        q("pages/", type="cms.ArticlePage", fields="*"),
        q("pages/", type="cms.ArticlePage", fields="_,id,tags"),
        q("pages/", type="cms.ArticlePage", fields="tags,authors,publish_date,summary,hero_image"),
        q("pages/", type="cms.ArticlePage", fields="hero_image(id)"),
        q("pages/", type="cms.ArticlePage", fields="body"),
        # type
        q("pages/", type="wagtailcore.Page"),
        q("pages/", type="cms.SectionPage"),
        q("pages/", type="cms.ArticlePage,cms.LandingPage"),
        q("pages/", type="cms.ArticlePage,cms.SectionPage", fields="title"),
        q("pages/", type="cms.Nope"),
        q("pages/", type="nope"),
        q("pages/", type="cms.Author"),
        q("pages/", type="cms.ArticlePage,"),
        # tree filters
        q("pages/", child_of=home),
        q("pages/", child_of=guides, type="cms.ArticlePage"),
        q("pages/", child_of="root"),
        q("pages/", child_of="abc"),
        q("pages/", child_of=-1),
        q("pages/", child_of=999999),
        q("pages/", descendant_of=guides),
        q("pages/", descendant_of="root"),
        q("pages/", descendant_of="x"),
        q("pages/", descendant_of=999999),
        q("pages/", descendant_of=guides, child_of=home),
        q("pages/", ancestor_of=journey),
        q("pages/", ancestor_of=s["archive"].pk),
        q("pages/", ancestor_of="root"),
        q("pages/", ancestor_of=-3),
        q("pages/", ancestor_of=999999),
        # locale
        q("pages/", locale=locale),
        q("pages/", locale="xx"),
        q("pages/", locale=locale, child_of=home),
        q("pages/", locale=locale, fields="locale"),
        # search
        q("pages/", search="journey"),
        q("pages/", search="journey notes", search_operator="and"),
        q("pages/", search="journey bank", search_operator="or"),
        q("pages/", search="journey", order="title"),
        q("pages/", search="journey", type="cms.ArticlePage", fields="tags"),
        q("pages/", search="zzzznothing"),
        q("pages/", search="journey bank", search_operator="AND"),
        q("pages/", search="journey", search_operator="xor"),  # stock: 500
        q("pages/", search_operator="xor"),  # ignored without search
        q("pages/", search=""),
        q("pages/", type="cms.ArticlePage", tags="omnichannel", search="journey"),
        # field filters
        q("pages/", slug="guides"),
        q("pages/", slug="nope"),
        q("pages/", show_in_menus="true"),
        q("pages/", show_in_menus="false"),
        q("pages/", show_in_menus="maybe"),
        q("pages/", title="Guides"),
        q("pages/", id=journey),
        q("pages/", id="abc"),
        q("pages/", type="cms.ArticlePage", tags="omnichannel"),
        q("pages/", type="cms.ArticlePage", tags="omnichannel,journeys"),
        q("pages/", type="cms.ArticlePage", publish_date="2025-03-01"),
        q("pages/", nonsense="1"),
        q("pages/", nonsense="1", other="2"),
        # order
        q("pages/", order="title"),
        q("pages/", order="-title"),
        q("pages/", order="slug,-id"),
        q("pages/", order="-first_published_at,title"),
        q("pages/", order="id", type="cms.ArticlePage"),
        q("pages/", order="-publish_date,title", type="cms.ArticlePage"),
        q("pages/", order="random"),
        q("pages/", order="random,title"),
        q("pages/", order="random", offset=1),
        q("pages/", order="nonsense"),
        q("pages/", order="-nonsense"),
        q("pages/", order="title,nonsense"),
        # limit and offset, within what both accept
        q("pages/", limit=2),
        q("pages/", limit=0),
        q("pages/", limit=20),
        q("pages/", limit=3, offset=2),
        q("pages/", offset=5),
        q("pages/", offset=500),
        q("pages/", limit=-1),
        q("pages/", limit="abc"),
        q("pages/", limit=""),
        q("pages/", offset=-2),
        q("pages/", offset="x"),
        q("pages/", order="title", limit=2, offset=1),
        # detail
        q(f"pages/{journey}/"),
        q(f"pages/{home}/"),
        q(f"pages/{guides}/"),
        q(f"pages/{s['campaign'].pk}/"),
        q(f"pages/{journey}/", fields="*"),
        q(f"pages/{journey}/", fields="_,id,title"),
        q(f"pages/{journey}/", fields="-body,-authors"),
        q(f"pages/{journey}/", fields="parent"),
        q(f"pages/{journey}/", fields="parent(title)"),
        q(f"pages/{journey}/", fields="parent(*)"),
        q(f"pages/{journey}/", fields="parent(_,id)"),
        q(f"pages/{journey}/", fields="parent(nonsense)"),
        q(f"pages/{journey}/", fields="tags"),
        q(f"pages/{journey}/", fields="hero_image"),
        q(f"pages/{journey}/", fields="_,hero_image(*)"),
        q(f"pages/{journey}/", fields="_,hero_image(_,id)"),
        q(f"pages/{journey}/", fields="locale"),
        q(f"pages/{journey}/", fields="nonsense"),
        q(f"pages/{journey}/", nonsense="1"),
        q(f"pages/{journey}/", type="cms.ArticlePage"),
        # Wagtail filters the detail's queryset too: a filter that leaves the page out is a 404.
        q(f"pages/{journey}/", type="cms.SectionPage"),
        q(f"pages/{journey}/", slug="guides"),
        q(f"pages/{journey}/", child_of=home),
        q(f"pages/{journey}/", descendant_of=guides),
        q(f"pages/{journey}/", site="localhost"),
        q(f"pages/{journey}/", _="1"),
        q("pages/999999/"),
        q(f"pages/{Page.objects.get(slug='draft').pk}/"),
        q(f"pages/{Page.objects.get(depth=1).pk}/"),  # the tree root is outside the site
        # find
        q("pages/find/", html_path="/guides/"),
        q("pages/find/", html_path="/guides/mapping-the-customer-journey/", fields="title,tags"),
        q("pages/find/", html_path="/"),
        q("pages/find/", html_path="guides"),
        q("pages/find/", html_path="/nope/"),
        q("pages/find/", html_path="/guides/draft/"),
        q("pages/find/"),
        q("pages/find/", id=guides),
        q("pages/find/", id=999999),
    ]
    image, hero, document = s["image"].pk, s["hero"].pk, s["document"].pk
    images = [
        q("images/"),
        q("images/", fields="*"),
        q("images/", fields="_,id,title"),
        q("images/", fields="width,height,-title"),
        q("images/", fields="tags"),
        q("images/", fields="nonsense"),
        q("images/", title="Kiosk screen"),
        q("images/", order="-title"),
        q("images/", order="nonsense"),
        q("images/", search="harbour"),
        q("images/", search="harbour", search_operator="xor"),  # stock: 500
        q("images/", limit=1, offset=1),
        q("images/", limit="x"),
        q("images/", nonsense="1"),
        q(f"images/{hero}/"),
        q(f"images/{image}/", fields="_,id,download_url"),
        q(f"images/{image}/", fields="nonsense"),
        q("images/999999/"),
        q("images/find/", id=hero),
        q("images/find/", id=999999),
    ]
    documents = [
        q("documents/"),
        q("documents/", fields="*"),
        q("documents/", fields="_,id,title,download_url"),
        q("documents/", fields="nonsense"),
        q("documents/", order="-title"),
        q("documents/", search="journey"),
        q("documents/", offset=-1),
        q(f"documents/{document}/"),
        q(f"documents/{document}/", fields="-tags"),
        q("documents/999999/"),
        q("documents/find/", id=document),
    ]
    return pages + images + documents


def test_tailor_answers_like_stock_wagtail_for_every_request_of_the_corpus(site, key):
    requests = corpus(site)
    problems = [problem for path in requests for problem in differences(path, key)]
    assert not problems, f"{len(problems)} of {len(requests)} requests differ:\n" + "\n".join(problems)


def test_the_corpus_is_not_vacuous(site, key):
    """Searches, filters and relations find something, so agreeing means something."""
    def count(path):
        return Client().get(STOCK + path).json()["meta"]["total_count"]

    assert count(q("pages/", search="journey")) >= 2
    assert count(q("pages/", type="cms.ArticlePage", tags="omnichannel")) == 2
    assert count(q("pages/", child_of=site["guides"].pk)) >= 3
    assert count(q("images/")) == 2 and count(q("documents/")) == 1
    detail = Client().get(STOCK + q(f"pages/{site['journey'].pk}/")).json()
    assert detail["tags"] == ["journeys", "omnichannel"] and len(detail["authors"]) == 2
    assert detail["hero_image"] == {"id": site["hero"].pk}


# --- the deliberate differences -------------------------------------------------------------


def test_limit_cap_is_100_where_stock_caps_at_20(site, key):
    ours, stock = fetch(q("pages/", limit=21), key)
    assert stock.status_code == 400 and stock.json()["message"] == "limit cannot be higher than 20"
    assert ours.status_code == 200
    ours, _ = fetch(q("pages/", limit=100), key)
    assert ours.status_code == 200
    ours, _ = fetch(q("pages/", limit=101), key)
    assert ours.status_code == 400 and ours.json()["message"] == "limit cannot be higher than 100"


def test_find_redirect_is_relative_where_stock_builds_an_absolute_url(site, key):
    ours, stock = fetch(q("pages/find/", html_path="/guides/", fields="title"), key)
    assert stock.status_code == ours.status_code == 302
    assert stock["Location"] == f"http://localhost/reference/api/v2/pages/{site['guides'].pk}/?fields=title"
    assert ours["Location"] == f"/api/v2/pages/{site['guides'].pk}/?fields=title"


def test_download_urls_are_relative_for_images_and_absolute_for_documents(site, key):
    ours_image = Client().get(f"{OURS}images/{site['hero'].pk}/", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    ours_document = Client().get(f"{OURS}documents/{site['document'].pk}/", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert ours_image["meta"]["download_url"].startswith("/")
    assert ours_document["meta"]["download_url"].startswith("http://localhost/")


def test_search_leaves_out_expired_and_hidden_pages_instead_of_failing(home, django_capture_on_commit_callbacks):
    """Found by the corpus: `?search=` answered 400 "cannot filter by 'expire_at'" whenever the
    visibility filter was applied, since search backends filter only on indexed fields."""
    channel = ChannelFactory(slug="plain", name="Plain")
    raw = api_key_create(channel=channel, name="search", scopes=["delivery"])[1]
    with django_capture_on_commit_callbacks(execute=True):
        shown = ArticlePageFactory(parent=home, title="Lighthouse shown")
        later = ArticlePageFactory(parent=home, title="Lighthouse later", expire_at=timezone.now() + timedelta(days=1))
        expired = ArticlePageFactory(parent=home, title="Lighthouse expired")
        hidden = ArticlePageFactory(parent=home, title="Lighthouse hidden")
        PageChannelOverride.objects.create(page=hidden, channel=channel, offered=False)
    # Live but past its expiry: what a page is until the scheduled unpublish runs.
    Page.objects.filter(pk=expired.pk).update(expire_at=timezone.now() - timedelta(minutes=1))
    content_generation_bump()
    for query in ({"search": "lighthouse"}, {"search": "lighthouse", "type": "cms.ArticlePage"},
                  {"search": "lighthouse expired hidden shown", "search_operator": "or", "order": "title"}):
        response = Client().get(OURS + q("pages/", **query), HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 200, response.content
        assert {item["id"] for item in response.json()["items"]} == {shown.pk, later.pk}, query
