"""The shared search corpus (tests/benchmarks/search_corpus.py): deterministic, a valid tree, canaries."""

import pytest
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from cms.models import ArticlePage
from tests.benchmarks.search_corpus import CANARY_WORDS, seed_pages

pytestmark = pytest.mark.django_db


def _corpus_titles() -> list[str]:
    return list(ArticlePage.objects.filter(slug__startswith="corpus-").order_by("path").values_list("title", flat=True))


def test_seeded_pages_are_live_articles_in_a_valid_tree_with_tags_and_authors():
    seed_pages(40)

    live = ArticlePage.objects.live().exclude(title__contains="quixote")
    assert live.count() == 40
    assert Page.find_problems() == ([], [], [], [], [])  # paths, depths and child counts agree
    page = live.first()
    assert len(page.body) >= 3 and page.summary and page.tags.count() == 2 and page.authors.count() == 1
    assert page.url == f"/{page.get_parent().slug}/{page.slug}/"
    assert ArticlePage.objects.filter(live=False, title__contains=CANARY_WORDS["draft"]).count() == 3


def test_the_same_seed_writes_the_same_words():
    seed_pages(12, index=False)
    first = _corpus_titles()
    ArticlePage.objects.filter(slug__startswith="corpus-").delete()
    seed_pages(12, index=False)

    assert _corpus_titles() == first
    assert len(set(first)) > 10  # varied, not one title repeated


def test_the_index_holds_the_live_pages_and_none_of_the_canaries():
    seed_pages(30)
    backend = get_search_backend()
    word = ArticlePage.objects.live().exclude(title__contains="quixote").first().title.split()[-1]

    assert backend.search(word, ArticlePage).count() >= 1
    for marker in CANARY_WORDS.values():
        assert list(backend.search(marker, ArticlePage)) == [], marker
