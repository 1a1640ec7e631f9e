"""Visibility fails closed: what a body may show is read from the database whenever it is built.

Each test warms every memo, then changes the database in a way no process announces
(no signal, no generation bump: a raw update, a bulk insert, a restore, a lost bump).
Cached bodies may still answer (they are keyed by the generation), but a body built
now (a new URL variant: `_` is part of the cache key) must not show what is hidden.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction
from wagtail.rich_text import RichText

from tests.factories import ArticlePageFactory, ImageFactory, SectionPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the search index is updated after commit
        section = SectionPageFactory(parent=home, title="Members")
        article = ArticlePageFactory(parent=section, title="Zephyr crossing")
        linking = ArticlePageFactory(
            parent=home,
            title="Index",
            body=[("paragraph", RichText(f'<p>Read <a linktype="page" id="{article.pk}">this</a>.</p>'))],
        )
    return {"section": section, "article": article, "linking": linking}


def unpublish_silently(pages):
    Page.objects.filter(pk=pages["article"].pk).update(live=False)


def restrict_parent_silently(pages):
    PageViewRestriction.objects.bulk_create(
        [PageViewRestriction(page=pages["section"], restriction_type="password", password="secret")]
    )


def expire(pages):
    Page.objects.filter(pk=pages["article"].pk).update(expire_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.parametrize("hide", [unpublish_silently, restrict_parent_silently, expire])
def test_a_page_hidden_without_any_announcement_is_absent_from_every_body_built_afterwards(
    pages, web_key, api_get, hide
):
    article, linking = pages["article"], pages["linking"]

    def seen(variant: str) -> tuple[int, bool, bool, bool]:
        """(detail status, listed, found by search, linked from another page) for a new URL variant."""
        status = api_get(f"/api/v2/pages/{article.pk}/?_={variant}", web_key).status_code
        listed = article.pk in {p["id"] for p in api_get(f"/api/v2/pages/?_={variant}", web_key).json()["items"]}
        found = api_get(f"/api/v2/pages/?search=Zephyr&_={variant}", web_key).json()["items"]
        body = api_get(f"/api/v2/pages/{linking.pk}/?_={variant}", web_key).json()["body"]
        return status, listed, bool(found), f'data-page-id="{article.pk}"' in str(body)

    assert seen("warm") == (200, True, True, True)  # every memo now holds the article
    hide(pages)
    assert seen("after") == (404, False, False, False)


def test_an_image_in_a_collection_made_private_without_any_announcement_is_absent(home, web_key, api_get):
    private = Collection.get_first_root_node().add_child(name="Board papers")
    image = ImageFactory(title="Board photo", collection=private)
    article = ArticlePageFactory(parent=home, title="Board", hero_image=image)

    def seen(variant: str) -> tuple[bool, int, bool]:
        """(in the images listing, image detail status, shown as the page's hero) for a new URL variant."""
        listed = image.pk in {i["id"] for i in api_get(f"/api/v2/images/?_={variant}", web_key).json()["items"]}
        status = api_get(f"/api/v2/images/{image.pk}/?_={variant}", web_key).status_code
        page = api_get(f"/api/v2/pages/{article.pk}/?fields=hero_image&_={variant}", web_key).json()
        return listed, status, page["hero_image"] is not None

    assert seen("warm") == (True, 200, True)
    CollectionViewRestriction.objects.bulk_create(
        [CollectionViewRestriction(collection=private, restriction_type="password", password="secret")]
    )
    assert seen("after") == (False, 404, False)


@pytest.mark.parametrize("endpoint", ["images", "documents"])
def test_a_media_listing_reads_the_private_collections_once(home, web_key, api_get, endpoint):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    private = Collection.get_first_root_node().add_child(name="Private")
    CollectionViewRestriction.objects.create(collection=private, restriction_type="password", password="x")
    def factory(**fields):
        if endpoint == "images":
            return ImageFactory(**fields)
        return get_document_model().objects.create(file=ContentFile(b"x", name="d.txt"), **fields)

    shown, hidden = factory(title="Shown"), factory(title="Hidden", collection=private)
    with CaptureQueriesContext(connection) as queries:
        body = api_get(f"/api/v2/{endpoint}/?fields=*", web_key).json()
    assert [item["id"] for item in body["items"]] == [shown.pk] and hidden.pk != shown.pk
    reads = [q["sql"] for q in queries.captured_queries if "collectionviewrestriction" in q["sql"].lower()]
    assert len(reads) == 1, reads
