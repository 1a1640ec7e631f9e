"""Leak tests: canaries that no key may see, probed through every endpoint and filter.

Every canary (draft, unpublished, expired, scheduled, private and its descendant,
not offered on web, a draft revision of a live page, a scheduled revision of a live
page, images and a document in a private collection and its sub-collection, a
mobile-only override) carries a unique marker in its title, slug, body, summary and,
for images and documents, title and file name. Public pages and snippets point at the
canaries every way the content model allows (rich text page and document links,
image embeds, image blocks, hero images, channel override hero images, snippets).

Every key kind sends the same corpus of requests. No response (body or header) may
contain a marker the key may not see, compared on the raw bytes case-insensitively;
direct requests for canary ids are 404 problem documents; every 200 revalidates to a
304 with its ETag. Positive controls make sure the probes are not vacuous: the delivery
keys do see the public content, and the mobile key sees the page web is not offered.
"""

import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction, Site

from cms.models import CallToAction, PageChannelOverride, Promo
from tests.cms.api.conftest import channel_get_or_create
from tests.factories import (
    ArticlePageFactory,
    HomePageFactory,
    ImageFactory,
    LandingPageFactory,
    SectionPageFactory,
    small_png,
)

# --- the canaries ------------------------------------------------------------------
# Markers are single search tokens (letters only) so that `search=` can look for them.
PAGE_CANARIES = [
    "draft",  # never published
    "unpublished",  # published, then unpublished
    "expired",  # expire_at in the past, still live=True (the scheduler has not run)
    "scheduled",  # go_live_at in the future, approved, not live
    "private",  # password view restriction
    "privatechild",  # descendant of the private page
    "notonweb",  # offered=False on web (mobile may see it)
]
REVISION_CANARIES = ["draftrevision", "scheduledrevision"]  # only in a revision of a live page
MEDIA_CANARIES = ["privateimage", "privatesubimage", "privatedocument", "privatesubdocument"]
OVERRIDE_CANARIES = ["mobileonly"]  # a mobile override's title: mobile may see it, web not
ALL_CANARIES = PAGE_CANARIES + REVISION_CANARIES + MEDIA_CANARIES + OVERRIDE_CANARIES

# What each key may legitimately see; every other marker is forbidden to it.
ALLOWED = {"mobile": {"notonweb", "mobileonly"}}


def marker(name: str) -> str:
    return f"zqx{name}qzx"


PRIVATE_HOST = f"{marker('private')}.example"  # a site rooted in the private section
CONTROL = "zqxpubliccontrolqzx"  # carried by public content: delivery keys must see it


def body(text: str, *extra: dict) -> list[dict]:
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}, *extra]


@dataclass
class Seeded:
    home: Page
    pages: dict[str, Page] = field(default_factory=dict)  # canary name -> page
    public: dict[str, Page] = field(default_factory=dict)
    images: dict[str, object] = field(default_factory=dict)
    documents: dict[str, object] = field(default_factory=dict)
    snippets: dict[str, object] = field(default_factory=dict)
    redirects: dict[str, object] = field(default_factory=dict)  # canary name (or "public") -> redirect to it

    def html_path(self, page: Page) -> str:
        return page.url_path[len(self.home.url_path) - 1 :]


def _canary_page(factory, name: str, parent, **kwargs):
    m = marker(name)
    return factory(
        parent=parent, title=f"Canary {m}", slug=m, summary=f"summary {m}", seo_title=f"seo {m}",
        search_description=f"description {m}", **kwargs,
    )


def _fresh(page):
    """The page as stored: factories return the instance from before publishing."""
    return Page.objects.get(pk=page.pk).specific


def seed(home, web, mobile) -> Seeded:
    """Canaries and the public content that points at them (run inside committed-callback capture)."""
    s = Seeded(home=home)
    now = timezone.now()

    # Private collections: a restricted one and a sub-collection that inherits the restriction.
    root_collection = Collection.get_first_root_node()
    private = root_collection.add_child(name="Private")
    private_sub = private.add_child(name="Private sub")
    CollectionViewRestriction.objects.create(collection=private, restriction_type="password", password="x")
    for name, collection in (("privateimage", private), ("privatesubimage", private_sub)):
        m = marker(name)
        s.images[name] = ImageFactory(
            title=f"Image {m}", file=small_png(name=f"{m}.png"), collection=collection,
            alt_text=f"alt {m}", credit=f"credit {m}",
        )
    s.images["public"] = ImageFactory(title=f"Image {CONTROL}", file=small_png(name="public.png"))
    Document = get_document_model()
    for name, collection in (("privatedocument", private), ("privatesubdocument", private_sub)):
        m = marker(name)
        s.documents[name] = Document.objects.create(
            title=f"Document {m}", file=ContentFile(b"secret", name=f"{m}.txt"), collection=collection
        )
    s.documents["public"] = Document.objects.create(
        title=f"Document {CONTROL}", file=ContentFile(b"public", name="public.txt")
    )

    def canary_body(name: str) -> list[dict]:
        m = marker(name)
        return body(f"body {m}", {"type": "image", "value": {"image": s.images["public"].pk, "caption": f"caption {m}"}})

    # Page canaries.
    s.pages["draft"] = _canary_page(ArticlePageFactory, "draft", home, live=False, body=canary_body("draft"))
    s.pages["unpublished"] = _canary_page(ArticlePageFactory, "unpublished", home, body=canary_body("unpublished"))
    s.pages["unpublished"] = _fresh(s.pages["unpublished"])
    s.pages["unpublished"].unpublish()
    s.pages["expired"] = _canary_page(ArticlePageFactory, "expired", home, body=canary_body("expired"))
    Page.objects.filter(pk=s.pages["expired"].pk).update(expire_at=now - timedelta(hours=1))
    s.pages["scheduled"] = _canary_page(
        ArticlePageFactory, "scheduled", home, live=False, go_live_at=now + timedelta(days=1),
        body=canary_body("scheduled"),
    )
    s.pages["scheduled"].save_revision().publish()
    s.pages["private"] = _canary_page(SectionPageFactory, "private", home)
    PageViewRestriction.objects.create(page=s.pages["private"], restriction_type="password", password="x")
    s.pages["privatechild"] = _canary_page(
        ArticlePageFactory, "privatechild", s.pages["private"], body=canary_body("privatechild")
    )
    s.pages["notonweb"] = _canary_page(ArticlePageFactory, "notonweb", home, body=canary_body("notonweb"))
    PageChannelOverride.objects.create(page=s.pages["notonweb"], channel=web, offered=False)

    # Revisions of live pages: the live content is neutral, the newer revision is not.
    for name, scheduled in (("draftrevision", False), ("scheduledrevision", True)):
        m = marker(name)
        page = _fresh(ArticlePageFactory(parent=home, title=f"Live {name} page", slug=f"live-{name}", body=body("live text")))
        page.title, page.slug, page.summary, page.seo_title = f"Canary {m}", m, f"summary {m}", f"seo {m}"
        page.body = canary_body(name)
        page.hero_image = s.images["public"]
        page.channel_overrides.add(PageChannelOverride(channel=web, title=f"web {m}", summary=f"web {m}"))
        page.channel_overrides.add(PageChannelOverride(channel=mobile, offered=True, title=f"mobile {m}"))
        revision = page.save_revision()
        if scheduled:
            page.go_live_at = now + timedelta(days=1)
            revision = page.save_revision()
            revision.publish()
        s.public[f"live-{name}"] = Page.objects.get(pk=page.pk).specific

    # Snippets pointing at canaries.
    s.snippets["cta"] = CallToAction.objects.create(
        title=f"CTA {CONTROL}", button_label="Go", link_page=s.pages["draft"], link_url=""
    )
    s.snippets["cta_private"] = CallToAction.objects.create(
        title="CTA to private", button_label="Go", link_page=s.pages["privatechild"], link_url="https://example.com/"
    )
    draft, private_child, not_on_web = s.pages["draft"], s.pages["privatechild"], s.pages["notonweb"]
    links = (
        f'<a linktype="page" id="{draft.pk}">read a</a> '
        f'<a linktype="page" id="{s.pages["scheduled"].pk}">read b</a> '
        f'<a linktype="page" id="{s.pages["unpublished"].pk}">read c</a> '
        f'<a linktype="page" id="{s.pages["expired"].pk}">read d</a> '
        f'<a linktype="page" id="{private_child.pk}">read e</a> '
        f'<a linktype="page" id="{s.pages["private"].pk}">read f</a> '
        f'<a linktype="page" id="{not_on_web.pk}">read g</a> '
        f'<a linktype="document" id="{s.documents["privatedocument"].pk}">file a</a> '
        f'<a linktype="document" id="{s.documents["privatesubdocument"].pk}">file b</a>'
    )
    embeds = "".join(
        f'<embed embedtype="image" id="{s.images[name].pk}" format="fullwidth" alt="picture"/>'
        for name in ("privateimage", "privatesubimage")
    )
    s.snippets["promo"] = Promo.objects.create(
        title=f"Promo {CONTROL}", body=f"<p>{links}</p>", image=s.images["privateimage"], link_page=draft
    )
    s.snippets["promo_sub"] = Promo.objects.create(
        title="Promo two", body="<p>x</p>", image=s.images["privatesubimage"], link_page=private_child,
        link_url="https://example.com/",
    )

    # Public pages that reference every canary.
    rich = {"type": "paragraph", "value": f"<p>{links}</p>{embeds}"}
    image_blocks = [
        {"type": "image", "value": {"image": s.images[name].pk, "caption": "c"}}
        for name in ("privateimage", "privatesubimage")
    ]
    s.public["landing"] = LandingPageFactory(
        parent=home, title=f"Landing {CONTROL}", slug="public-landing", hero_image=s.images["privateimage"],
        body=[
            {"type": "hero", "value": {
                "heading": "Hero", "subheading": "", "image": s.images["privatesubimage"].pk,
                "call_to_action": s.snippets["cta"].pk,
            }},
            {"type": "promo_cards", "value": {"heading": "", "promos": [s.snippets["promo"].pk, s.snippets["promo_sub"].pk]}},
            rich, *image_blocks,
            {"type": "call_to_action", "value": s.snippets["cta_private"].pk},
        ],
    )
    s.public["article"] = ArticlePageFactory(
        parent=home, title=f"Article {CONTROL}", slug="public-article", hero_image=s.images["public"],
        body=[rich, *image_blocks],
    )
    PageChannelOverride.objects.create(page=s.public["article"], channel=web, hero_image=s.images["privatesubimage"])
    PageChannelOverride.objects.create(
        page=s.public["article"], channel=mobile, title=f"Mobile {marker('mobileonly')}",
        summary=f"mobile {marker('mobileonly')}",
    )
    s.public["section"] = SectionPageFactory(parent=home, title=f"Section {CONTROL}", slug="public-section")
    s.public["section-child"] = ArticlePageFactory(
        parent=s.public["section"], title="Section child", slug="section-child", body=[rich]
    )
    # An alias in a public place of a neutral page inside the private section: the alias is
    # public, but `meta.alias_of` must not name the original (its URL has the private slug).
    original = ArticlePageFactory(parent=s.pages["private"], title="Shared notes", slug="shared-notes")
    s.public["alias"] = _fresh(original).create_alias(parent=home, update_slug="shared-notes-alias")
    # A second site rooted in the private section: `?site=` must not open a way in.
    Site.objects.create(hostname=PRIVATE_HOST, port=80, root_page=s.pages["private"])
    # A redirect to each canary page: its location and target would name the canary.
    for number, (name, page) in enumerate(s.pages.items()):
        s.redirects[name] = Redirect.objects.create(old_path=f"/moved-{number}", redirect_page=page)
    s.redirects["public"] = Redirect.objects.create(old_path="/moved-public", redirect_page=s.public["section"])
    return s


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The canaries, seeded once for the module in a transaction rolled back at its end.

    Each test runs in a savepoint inside it (pytest-django's `db`). The commit callbacks
    run as a commit would run them: search indexing, renditions, generation bumps.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            home = HomePageFactory(title="Home", slug="test-home")
            Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
            web, mobile = channel_get_or_create("web"), channel_get_or_create("mobile")
            seeded = seed(home, web, mobile)
        _check_seed(seeded)
        yield seeded
        transaction.set_rollback(True)


def _check_seed(s: Seeded) -> None:
    """The canaries are in the state their names say (else the test proves nothing)."""
    states = {name: Page.objects.get(pk=page.pk) for name, page in s.pages.items()}
    assert not states["draft"].live and states["draft"].live_revision_id is None
    assert not states["unpublished"].live and states["unpublished"].first_published_at
    assert states["expired"].live and states["expired"].expire_at < timezone.now()
    assert not states["scheduled"].live and states["scheduled"].revisions.filter(approved_go_live_at__isnull=False)
    for name in REVISION_CANARIES:
        live = Page.objects.get(pk=s.public[f"live-{name}"].pk)
        assert live.live and live.has_unpublished_changes and marker(name) not in live.title + live.slug
        assert not PageChannelOverride.objects.filter(page=live).exists()


# --- the corpus of requests ---------------------------------------------------------
def _q(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def page_probes(s: Seeded) -> list[str]:
    canary_ids = [page.pk for page in s.pages.values()]
    public_ids = [s.home.pk, *(page.pk for page in s.public.values())]
    probes = [
        "/api/v2/pages/",
        _q("/api/v2/pages/", fields="*"),
        _q("/api/v2/pages/", limit=100),
        _q("/api/v2/pages/", limit=100, fields="*"),
        _q("/api/v2/pages/", fields="_,id,title,parent"),
        _q("/api/v2/pages/", show_in_menus="false", limit=100),
        _q("/api/v2/pages/", site=PRIVATE_HOST),
        _q("/api/v2/pages/", site=PRIVATE_HOST, fields="*"),
        _q("/api/v2/pages/", child_of="root", limit=100),
        _q("/api/v2/pages/", descendant_of="root", limit=100),
        _q("/api/v2/pages/", locale="en", limit=100),
        _q("/api/v2/pages/", html_path="/"),
    ]
    for order in ("title", "-title", "id", "-id", "-first_published_at", "slug", "random"):
        probes.append(_q("/api/v2/pages/", order=order, limit=100))
    for offset in range(0, 18, 3):
        probes.append(_q("/api/v2/pages/", order="id", limit=3, offset=offset, fields="*"))
    for page_type in ("cms.ArticlePage", "cms.SectionPage", "cms.LandingPage", "cms.HomePage", "wagtailcore.Page",
                      "cms.ArticlePage,cms.SectionPage,cms.LandingPage"):
        probes.append(_q("/api/v2/pages/", type=page_type, fields="*", limit=100))
    for page_type in ("cms.ArticlePage", "cms.LandingPage"):
        probes.append(_q("/api/v2/pages/", type=page_type, fields="_,id,title,body,summary,hero_image", limit=100))
        probes.append(_q("/api/v2/pages/", type=page_type, fields="*", order="-title", limit=100))
    for name in ALL_CANARIES + ["publiccontrol"]:
        m = marker(name)
        probes.append(_q("/api/v2/pages/", search=m))
        probes.append(_q("/api/v2/pages/", search=f"{m} canary", search_operator="or", fields="*"))
        probes.append(_q("/api/v2/pages/", type="cms.ArticlePage", search=m, fields="*"))
        probes.append(_q("/api/v2/pages/", slug=m))
        probes.append(_q("/api/v2/pages/", title=f"Canary {m}"))
    for page_id in canary_ids:
        for relation in ("child_of", "descendant_of", "ancestor_of", "translation_of"):
            probes.append(_q("/api/v2/pages/", **{relation: page_id, "fields": "*", "limit": 100}))
        probes.append(_q(f"/api/v2/pages/{page_id}/", fields="_,id,title,body,parent"))
    for page_id in public_ids:
        for relation in ("child_of", "descendant_of", "ancestor_of"):
            probes.append(_q("/api/v2/pages/", **{relation: page_id, "fields": "*", "limit": 100}))
    for page_id in canary_ids + public_ids:
        probes.append(f"/api/v2/pages/{page_id}/")
        probes.append(_q(f"/api/v2/pages/{page_id}/", fields="*"))
    for page in [*s.pages.values(), *s.public.values()]:
        probes.append(_q("/api/v2/pages/find/", html_path=s.html_path(page)))
    for name in PAGE_CANARIES + REVISION_CANARIES:
        probes.append(_q("/api/v2/pages/find/", html_path=f"/{marker(name)}/"))
        probes.append(_q("/api/v2/pages/find/", html_path=f"/{marker('private')}/{marker(name)}/"))
    probes.append(_q("/api/v2/pages/find/", html_path="/", site=PRIVATE_HOST))
    # Bad input (issue 11): never a 500, whatever the key.
    probes += [
        _q("/api/v2/pages/", id="\u00b9"),
        _q("/api/v2/pages/find/", id="\u00b9"),
        _q("/api/v2/pages/", type="cms.ArticlePage", authors="9" * 20),
        _q("/api/v2/pages/", site="localhost:\u00b9"),
        _q("/api/v2/pages/", tz="Mars/Olympus"),
    ]
    # Preview without a (valid) token must open nothing.
    draft = s.pages["draft"]
    probes += [
        "/api/v2/page_preview/",
        "/api/v2/page_preview/1/",
        f"/api/v2/page_preview/{draft.pk}/",
        _q(f"/api/v2/page_preview/{draft.pk}/", content_type="cms.articlepage"),
        _q("/api/v2/page_preview/1/", content_type="cms.articlepage", token="not-a-token"),
        _q("/api/v2/page_preview/1/", content_type="cms.articlepage", token=f"{draft.pk}:1a2b:forged"),
        _q("/api/v2/page_preview/find/", html_path=s.html_path(draft)),
        _q("/api/v2/page_preview/find/", html_path=s.html_path(s.pages["privatechild"])),
        "/api/v2/preview/",
        _q("/api/v2/preview/", content_type="cms.articlepage", token=f"{draft.pk}:1a2b:forged"),
    ]
    return probes


def redirect_probes(s: Seeded) -> list[str]:
    base = "/api/v2/redirects/"
    probes = [base, _q(base, limit=100, fields="*"), _q(base, order="-id", limit=100), _q(base, site=1)]
    for redirect in s.redirects.values():
        probes.append(f"{base}{redirect.pk}/")
        probes.append(_q(base, redirect_page=redirect.redirect_page_id, fields="*"))
        probes.append(_q(f"{base}find/", html_path=redirect.old_path))
    return probes


def media_probes(s: Seeded) -> list[str]:
    probes = []
    for endpoint, objects in (("images", s.images), ("documents", s.documents)):
        base = f"/api/v2/{endpoint}/"
        probes += [
            base,
            _q(base, fields="*"),
            _q(base, limit=100, fields="*"),
            _q(base, order="-title", fields="*"),
            _q(base, order="random"),
            _q(base, order="id", offset=1, limit=1),
        ]
        for name in MEDIA_CANARIES + ["publiccontrol"]:
            probes.append(_q(base, search=marker(name), fields="*"))
            probes.append(_q(base, title=f"Image {marker(name)}"))
            probes.append(_q(base, title=f"Document {marker(name)}"))
        for obj in objects.values():
            probes.append(f"{base}{obj.pk}/")
            probes.append(_q(f"{base}{obj.pk}/", fields="*"))
            probes.append(_q(base, id=obj.pk, fields="*"))
        # Bad input (issue 11): 4xx problems for readers, the key's own 401/403 for the rest, never a 500.
        probes += [_q(base, id="\u00b9"), _q(f"{base}find/", id="\u00b9"), _q(base, id="9" * 30), _q(base, width="9" * 20)]
    for endpoint in ("call-to-actions", "promos"):
        base = f"/api/v2/snippets/{endpoint}/"
        probes += [base, _q(base, fields="*"), _q(base, order="-id", fields="*")]
        for name in ("draft", "privateimage", "publiccontrol"):
            probes.append(_q(base, search=marker(name), fields="*"))
        for obj in s.snippets.values():
            probes.append(f"{base}{obj.pk}/")
            probes.append(_q(f"{base}{obj.pk}/", fields="*"))
    return probes


def canary_detail_paths(s: Seeded) -> list[str]:
    """Detail URLs that must be 404 problem documents for every key that may read."""
    paths = [f"/api/v2/pages/{page.pk}/" for name, page in s.pages.items() if name != "notonweb"]
    paths += [f"/api/v2/images/{s.images[name].pk}/" for name in ("privateimage", "privatesubimage")]
    paths += [f"/api/v2/documents/{s.documents[name].pk}/" for name in ("privatedocument", "privatesubdocument")]
    paths += [_q("/api/v2/pages/find/", html_path=s.html_path(page)) for name, page in s.pages.items() if name != "notonweb"]
    paths += [f"/api/v2/redirects/{r.pk}/" for name, r in s.redirects.items() if name not in ("notonweb", "public")]
    return paths


# --- key kinds -----------------------------------------------------------------------
READERS = ("web", "mobile", "delivery_preview")  # may read delivery content (no preview token)
KEY_KINDS = [
    "web", "mobile", "delivery_preview", "events", "preview_only", "revoked", "unknown",
    "none", "malformed", "query_api_key", "query_key",
]


def requester(kind: str, api_get, all_keys, malformed_headers, web_key):
    """The ways this key kind sends one request (a list of callables taking a path and extra environ)."""
    if kind in all_keys:
        return [lambda path, **extra: api_get(path, all_keys[kind], **extra)]
    if kind == "none":
        return [lambda path, **extra: api_get(path, **extra)]
    if kind == "malformed":  # each probe goes with the next malformed value, round robin
        values = itertools.cycle(malformed_headers)
        return [lambda path, **extra: api_get(path, HTTP_AUTHORIZATION=next(values), **extra)]
    name = kind.removeprefix("query_")
    return [
        lambda path, **extra: api_get(path + ("&" if "?" in path else "?") + urlencode({name: web_key}), **extra)
    ]


def _scan(response) -> bytes:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return (headers.encode() + b"\n" + response.content).lower()


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_no_canary_reaches_any_key(kind, seeded, db, no_rate_limit, api_get, all_keys, malformed_headers, web_key):
    forbidden = {name: marker(name).encode() for name in ALL_CANARIES if name not in ALLOWED.get(kind, set())}
    senders = requester(kind, api_get, all_keys, malformed_headers, web_key)
    probes = page_probes(seeded) + media_probes(seeded) + redirect_probes(seeded)
    must_404 = set(canary_detail_paths(seeded))
    problems: list[str] = []
    seen_ok = b""
    sent = 0

    for send in senders:
        for path in probes:
            response = send(path)
            sent += 1
            raw = _scan(response)
            leaked = [name for name, m in forbidden.items() if m in raw]
            if leaked:
                problems.append(f"{response.status_code} {path}: leaks {', '.join(leaked)}")
            if kind not in READERS:
                expected = {403} if kind in ("events", "preview_only") else {401}
                if kind == "preview_only" and path.startswith(("/api/v2/page_preview/", "/api/v2/preview/")):
                    expected = {400, 404}  # its own endpoint: no token, or not a valid one
                if response.status_code not in expected:
                    problems.append(f"{response.status_code} {path}: expected {expected}")
                continue
            if path in must_404 and not (
                response.status_code == 404 and response["Content-Type"] == "application/problem+json"
            ):
                problems.append(f"{response.status_code} {path}: a canary must be a 404 problem document")
            if response.status_code == 200:
                seen_ok += raw
                _check_search_is_empty(path, response, forbidden, problems)
                revalidated = send(path, HTTP_IF_NONE_MATCH=response["ETag"])
                sent += 1
                if revalidated.status_code != 304 or revalidated.content:
                    problems.append(f"{revalidated.status_code} {path}: If-None-Match with its ETag must be 304")
            if path in must_404:
                for if_none_match in ('"*"', "*", response.get("ETag") or '"x"'):
                    conditional = send(path, HTTP_IF_NONE_MATCH=if_none_match)
                    sent += 1
                    if conditional.status_code != 404 or any(m in _scan(conditional) for m in forbidden.values()):
                        problems.append(f"{conditional.status_code} {path}: If-None-Match {if_none_match} must be 404")

    if kind in READERS:  # the probes reached real content: not a vacuous pass
        assert CONTROL.encode() in seen_ok
        for name in ALLOWED.get(kind, ()):
            assert marker(name).encode() in seen_ok, f"{kind} should see {name}"
        for endpoint in ("pages", "images", "documents"):  # search works, so a search that finds nothing means something
            found = senders[0](_q(f"/api/v2/{endpoint}/", search=marker("publiccontrol")))
            assert found.status_code == 200 and found.json()["meta"]["total_count"] >= 1, (endpoint, found.content)
    print(f"{kind}: {sent} requests")
    assert not problems, f"{len(problems)} problems in {sent} requests:\n" + "\n".join(problems[:80])


def _check_search_is_empty(path: str, response, forbidden: dict[str, bytes], problems: list[str]) -> None:
    """A search or exact filter for a forbidden marker finds nothing (not even a neutral-looking hit)."""
    if path.startswith("/api/v2/snippets/"):  # the snippet endpoints have no filters: `search` is ignored
        return
    match = re.search(r"[?&](?:search|slug|title)=(?:[^&]*?)zqx([a-z]+)qzx", path)
    if not match or marker(match.group(1)).encode() not in forbidden.values():
        return
    if "search_operator=or" in path:  # 'canary' alone matches the public 'Canary' titles of other keys' pages
        return
    total = response.json()["meta"]["total_count"]
    if total:
        problems.append(f"200 {path}: found {total} result(s) for a canary marker")


# --- hiding content beats every cache: a held ETag never revalidates hidden content ----
def _unpublish(page, **_):
    Page.objects.get(pk=page.pk).specific.unpublish()


def _restrict_parent(page, **_):
    PageViewRestriction.objects.create(page=page.get_parent(), restriction_type="password", password="x")


def _not_offered_on_web(page, web, **_):
    live = Page.objects.get(pk=page.pk).specific
    live.channel_overrides.add(PageChannelOverride(channel=web, offered=False))
    live.save_revision().publish()


def _expire_by_time(page, monkeypatch, **_):
    # Time passing sends no signal: the page stays live=True until the scheduler runs.
    later = timezone.now() + timedelta(hours=2)  # the page expires in an hour
    monkeypatch.setattr(timezone, "now", lambda: later)


def _delete(page, **_):
    Page.objects.get(pk=page.pk).delete()


def _move_under_private(page, home, **_):
    private = SectionPageFactory(parent=home, title="Members", slug="members")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    Page.objects.get(pk=page.pk).move(private, pos="last-child")


HIDE = {
    "unpublish": _unpublish,
    "restrict_parent": _restrict_parent,
    "not_offered_on_web": _not_offered_on_web,
    "expire_by_time": _expire_by_time,
    "delete": _delete,
    "move_under_private": _move_under_private,
}


@pytest.mark.parametrize("action", list(HIDE))
def test_hidden_page_never_revalidates_from_a_held_etag(
    action, seeded, db, web_channel, web_key, api_get, django_capture_on_commit_callbacks, monkeypatch
):
    home = seeded.home  # the module's seeded world, in this test's savepoint
    m = marker(f"held{action.replace('_', '')}")
    with django_capture_on_commit_callbacks(execute=True):
        section = SectionPageFactory(parent=home, title="Guides", slug="guides")
        page = ArticlePageFactory(
            parent=section, title=f"Soon hidden {m}", slug=m, body=body(f"body {m}"),
            expire_at=timezone.now() + timedelta(hours=1),
        )
    paths = {
        "detail": f"/api/v2/pages/{page.pk}/",
        "listing": _q("/api/v2/pages/", type="cms.ArticlePage", fields="*"),
        "find": _q("/api/v2/pages/find/", html_path=f"/guides/{m}/"),
        "children": _q("/api/v2/pages/", child_of=section.pk, fields="*"),
    }
    held = {}
    for name, path in paths.items():
        response = api_get(path, web_key)
        assert response.status_code in (200, 302) and (name == "find" or m.encode() in response.content.lower())
        held[name] = response.get("ETag", '"none"')

    with django_capture_on_commit_callbacks(execute=True):  # a committed change, signals and all
        HIDE[action](page, home=home, web=web_channel, monkeypatch=monkeypatch)

    for name, path in paths.items():
        for extra in ({"HTTP_IF_NONE_MATCH": held[name]}, {}):
            response = api_get(path, web_key, **extra)
            assert m.encode() not in _scan(response), f"{action}: {name} still shows the page"
            expected = {"detail": {404}, "find": {404}, "listing": {200}, "children": {200, 400}}[name]
            assert response.status_code in expected, f"{action}: {name} answered {response.status_code}"


def test_image_moved_into_private_collection_is_gone_everywhere(
    seeded, db, web_key, api_get, django_capture_on_commit_callbacks
):
    home = seeded.home
    m = marker("movedimage")
    with django_capture_on_commit_callbacks(execute=True):
        image = ImageFactory(title=f"Image {m}", file=small_png(name=f"{m}.png"))
        page = ArticlePageFactory(
            parent=home, title="Pictured", slug="pictured", hero_image=image,
            body=[{"type": "image", "value": {"image": image.pk, "caption": ""}},
                  {"type": "paragraph", "value": f'<embed embedtype="image" id="{image.pk}" format="left" alt="a"/>'}],
        )
    paths = [f"/api/v2/images/{image.pk}/", "/api/v2/images/", f"/api/v2/pages/{page.pk}/"]
    held = {path: api_get(path, web_key)["ETag"] for path in paths}
    assert all(m.encode() in api_get(path, web_key).content.lower() for path in paths)

    with django_capture_on_commit_callbacks(execute=True):
        private = Collection.get_first_root_node().add_child(name="Board only")
        CollectionViewRestriction.objects.create(collection=private, restriction_type="password", password="x")
        sub = private.add_child(name="Minutes")
        image.collection = sub
        image.save()

    for path in paths:
        response = api_get(path, web_key, HTTP_IF_NONE_MATCH=held[path])
        assert m.encode() not in _scan(response), path
        assert response.status_code == (404 if path == paths[0] else 200), path
