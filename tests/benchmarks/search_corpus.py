"""A search corpus for tests and benchmarks: N published, article-like pages made fast, in bulk.

`seed_pages(n)` inserts the pages' rows directly (Page rows with `bulk_create`, their
ArticlePage rows with one multi-row insert per batch) instead of publishing them one by
one through treebeard and revisions, which takes minutes per thousand pages. The words
are drawn from a Zipf-like distribution over an English vocabulary with a seeded random
generator, so a corpus is the same on every run and machine, and queries can rely on
common words (many hits), rare words (few) and phrases taken from the text.

Beside them it adds canaries that search must never return: drafts, a page under a view
restriction and an expired page, each carrying a marker word found nowhere else
(`CANARY_WORDS`).

The pages are added to the default search backend in bulk unless `index=False` (the
reindex benchmark indexes them itself, timed).
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone as dt_timezone
from itertools import accumulate

from tqdm import tqdm

# Marker words of the canaries: one token each, in no other page (search looks for them).
CANARY_WORDS = {
    "draft": "quixotedraftcanary",
    "private": "quixoteprivatecanary",
    "expired": "quixoteexpiredcanary",
}
CANARY_SECTION_SLUG = "corpus-members-only"
SECTION_SLUGS = ("corpus-guides", "corpus-stories", "corpus-insights", "corpus-news", "corpus-help")
BATCH = 1000

# Common words of customer-experience writing and everyday English; the demo content's words
# are added to them (cms.demo_content), deduplicated, in a fixed order.
_WORDS = """
customer customers journey experience service channel channels mobile app web kiosk email store retail
online offline order orders delivery shipping return returns refund payment checkout basket cart price
pricing offer offers discount loyalty member members membership reward rewards points account login
password profile preference preferences privacy consent data insight insights analytics report reports
dashboard metric metrics conversion retention churn growth revenue campaign campaigns segment segments
audience audiences content article articles guide guides story stories editor editors writer design
designer designers product products feature features release releases update updates team teams
support help contact centre center agent agents chat call phone message messages notification
notifications newsletter subscription subscriptions trial plan plans upgrade downgrade cancel booking
bookings appointment travel flight hotel train station ticket tickets event events venue stadium
music festival weather morning evening weekend holiday season spring summer autumn winter garden
kitchen recipe recipes coffee tea bakery bread cheese market farm orchard harbour coast city village
library museum gallery school student students teacher course courses lesson learning research study
survey interview feedback review reviews rating ratings question questions answer answers problem
problems solution solutions idea ideas plan project projects budget cost costs time speed quality
trust brand brands voice tone style clear simple honest useful friendly fast slow quick easy hard
better best good great new old first last next local global national regional small large every
build building test testing measure measuring learn learning improve improving reduce reducing
choose choosing share sharing open opening close closing start starting finish finishing welcome
family families parent parents child children home house apartment energy electricity solar water
bank banking loan mortgage insurance claim claims policy policies health doctor clinic pharmacy
fitness running cycling swimming football tennis sport sports photo photos video videos podcast
screen screens display touch voice search results filter filters category categories catalogue
inventory warehouse supplier suppliers partner partners contract invoice invoices tax receipt
accessibility readable language languages translation translations locale region country countries
""".split()


def vocabulary() -> list[str]:
    """The corpus's words, most frequent first (the order decides the Zipf weights)."""
    from cms.demo_content import ARTICLES

    words = list(_WORDS)
    for _, title, summary, paragraphs, tags in ARTICLES:
        words += re.findall(r"[a-z]{3,}", " ".join([title, summary, *paragraphs, *tags]).lower())
    seen: dict[str, None] = {}
    for word in words:
        seen.setdefault(word, None)
    return [word for word in seen if not word.startswith("quixote")]


class _Writer:
    """Deterministic sentences over the vocabulary, word frequencies following Zipf's law."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.words = vocabulary()
        self.cumulative = list(accumulate(1 / rank for rank in range(1, len(self.words) + 1)))

    def words_of(self, count: int) -> list[str]:
        return self.random.choices(self.words, cum_weights=self.cumulative, k=count)

    def sentence(self, low: int = 8, high: int = 18) -> str:
        words = self.words_of(self.random.randint(low, high))
        return " ".join(words).capitalize() + "."

    def title(self) -> str:
        return " ".join(self.words_of(self.random.randint(3, 7))).capitalize()

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.random.randint(2, 5)))


def _block(kind: str, value) -> dict:
    return {"type": kind, "value": value, "id": str(uuid.uuid4())}


def _body(writer: _Writer, extra: str = "") -> list[dict]:
    blocks = [_block("heading", writer.title())]
    for _ in range(writer.random.randint(2, 4)):
        blocks.append(_block("paragraph", f"<p>{writer.paragraph()}</p>"))
    if writer.random.random() < 0.3:
        blocks.append(_block("quote", {"quote": writer.sentence(), "attribution": writer.title()}))
    if extra:
        blocks.append(_block("paragraph", f"<p>{extra}</p>"))
    return blocks


def _site_home():
    """The default site's home page, made (with the site) when there is none yet."""
    from wagtail.models import Page, Site

    from cms.models import HomePage

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None and isinstance(site.root_page.specific, HomePage):
        return site.root_page.specific
    home = HomePage(title="Tailor", slug="corpus-home", summary="The search corpus.")
    Page.objects.get(depth=1).add_child(instance=home)
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    return home


def _sections(home) -> list:
    from cms.models import SectionPage

    sections = []
    for slug in (*SECTION_SLUGS, CANARY_SECTION_SLUG):
        section = SectionPage.objects.child_of(home).filter(slug=slug).first()
        if section is None:
            section = SectionPage(title=slug.removeprefix("corpus-").replace("-", " ").capitalize(), slug=slug)
            home.add_child(instance=section)
        sections.append(section)
    return sections


def seed_pages(n: int, *, seed: int = 1, index: bool = True) -> None:
    """Create `n` published article pages with varied, deterministic words, plus canaries.

    Pages go under five sections of the default site's home (made if missing); drafts,
    a page under a view restriction and an expired page carry `CANARY_WORDS`. With
    `index`, the pages are added to the default search backend in bulk. Calling it again
    adds `n` more pages (other slugs, the same words for the same `seed`).
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from wagtail.models import Locale, Page, PageViewRestriction

    from cms.models import ArticlePage, Author

    writer = _Writer(seed)
    with transaction.atomic():
        home = _site_home()
        sections = _sections(home)
        authors = [Author.objects.get_or_create(name=name)[0] for name in ("Amara Okafor", "Lukas Brenner", "Mei Lin")]
        canary_section = sections[-1]
        if not PageViewRestriction.objects.filter(page=canary_section).exists():
            PageViewRestriction.objects.create(page=canary_section, restriction_type=PageViewRestriction.LOGIN)
    content_type = ContentType.objects.get_for_model(ArticlePage)
    locale = Locale.get_default()
    tags = _tags(writer)
    run = uuid.uuid4().hex[:8]  # slugs of this call: a second call adds pages beside the first's
    started = datetime(2024, 1, 1, 9, tzinfo=dt_timezone.utc)

    plan = [(sections[i % len(SECTION_SLUGS)], True, None, "") for i in range(n)]
    plan += [(sections[0], False, None, CANARY_WORDS["draft"]) for _ in range(3)]
    plan += [(canary_section, True, None, CANARY_WORDS["private"])]
    plan += [(sections[1], True, started - timedelta(days=1), CANARY_WORDS["expired"])]

    created: list[int] = []
    with tqdm(total=len(plan), desc="corpus pages", unit="page", mininterval=1) as progress:
        for start in range(0, len(plan), BATCH):
            with transaction.atomic():
                created += _insert_batch(
                    plan[start : start + BATCH], start, writer, run=run, started=started, content_type=content_type,
                    locale=locale, tags=tags, authors=authors,
                )
            progress.update(len(plan[start : start + BATCH]))
    for section in sections:
        Page.objects.filter(pk=section.pk).update(numchild=Page.objects.child_of(section).count())
    if index:
        index_pages(created)
    # Rows written past the ORM's signals: caches keyed by the content generation must see them.
    from cms.api.generation import content_generation_bump

    content_generation_bump()


def _tags(writer: _Writer) -> list:
    from taggit.models import Tag

    names = sorted({word for word in writer.words[:400] if len(word) > 4})[:60]
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    Tag.objects.bulk_create([Tag(name=name, slug=name) for name in names if name not in existing])
    return list(Tag.objects.filter(name__in=names).order_by("name"))


def _insert_batch(batch, offset, writer, *, run, started, content_type, locale, tags, authors) -> list[int]:
    """Insert one batch of pages: Page rows, ArticlePage rows, tags and authors; their ids."""
    from django.db.models import Max
    from wagtail.models import Page

    from cms.models import ArticlePage, ArticlePageTag

    next_step: dict[int, int] = {}
    pages, specifics = [], []
    for number, (section, live, expire_at, marker) in enumerate(batch, start=offset):
        if section.pk not in next_step:
            last = Page.objects.filter(path__startswith=section.path, depth=section.depth + 1).aggregate(Max("path"))
            next_step[section.pk] = Page._str2int(last["path__max"][-Page.steplen :]) + 1 if last["path__max"] else 1
        step = next_step[section.pk]
        next_step[section.pk] += 1
        title = writer.title() + (f" {marker}" if marker else "")
        slug = f"corpus-{run}-{number + 1}"
        published = started + timedelta(hours=7 * number)
        page = Page(
            title=title, draft_title=title, slug=slug, content_type=content_type, locale=locale,
            path=Page._get_path(section.path, section.depth + 1, step), depth=section.depth + 1, numchild=0,
            url_path=f"{section.url_path}{slug}/", live=live, has_unpublished_changes=not live,
            first_published_at=published if live else None, last_published_at=published if live else None,
            expire_at=expire_at, expired=False, translation_key=uuid.uuid4(),
        )
        pages.append(page)
        specifics.append(
            dict(
                summary=writer.sentence(12, 24), publish_date=date(2024, 1, 1) + timedelta(days=number % 730),
                body=_body(writer, marker),
            )
        )
    Page.objects.bulk_create(pages, batch_size=500)
    rows = [ArticlePage(page_ptr_id=page.pk, **fields) for page, fields in zip(pages, specifics)]
    # bulk_create refuses multi-table children: insert only the ArticlePage table's own columns.
    ArticlePage._base_manager.db_manager("default").get_queryset()._batched_insert(
        rows, ArticlePage._meta.local_concrete_fields, batch_size=500
    )
    tagged, authored = [], []
    through = ArticlePage.authors.through
    for page in pages:
        for tag in writer.random.sample(tags, 2):
            tagged.append(ArticlePageTag(content_object_id=page.pk, tag_id=tag.pk))
        authored.append(through(articlepage_id=page.pk, author_id=authors[page.pk % len(authors)].pk))
    ArticlePageTag.objects.bulk_create(tagged)
    through.objects.bulk_create(authored)
    return [page.pk for page in pages]


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def index_pages(ids: list[int], *, chunk: int = 500) -> None:
    """Add these pages to the default search backend in bulk: those the index holds (live, visible)."""
    from wagtail.search.backends import get_search_backend

    from cms.models import ArticlePage

    backend = get_search_backend()
    for chunk_ids in tqdm(list(_chunks(ids, chunk)), desc="corpus index", unit="batch", mininterval=1):
        pages = list(ArticlePage.get_indexed_objects().filter(pk__in=chunk_ids))
        if pages:
            backend.add_bulk(ArticlePage, pages)
