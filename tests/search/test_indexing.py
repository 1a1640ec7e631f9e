"""Index updates through the outbox on the database backend (SQLite FTS5 here, PostgreSQL with DATABASE_URL).

A change records a keyed outbox job in its transaction; the job (run at commit by the
test settings' inline runner) re-reads the row and adds or removes it. Pages are indexed
only while live, unexpired and public, so drafts and private pages never reach the index.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page, PageViewRestriction
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from cms.models import ArticlePage, Author, CallToAction, LandingPage, OutboxJob, PageChannelOverride, Promo
from search.indexing import INDEX_JOB, SUBTREE_JOB, fingerprints
from search.models import IndexedObject
from tests.factories import ArticlePageFactory, ChannelFactory, LandingPageFactory, SectionPageFactory

pytestmark = pytest.mark.django_db


def found(word: str, model=ArticlePage) -> list[str]:
    """Titles the default backend finds for a word (every object it holds of the model)."""
    return sorted(str(obj) if not hasattr(obj, "title") else obj.title for obj in get_search_backend().search(word, model))


def held(page) -> bool:
    return IndexEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(page.specific_class), object_id=str(page.pk)
    ).exists()


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Commit callbacks (outbox hand-overs) run at the end of the block, as after a real commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_publish_is_indexed_by_an_outbox_job_after_commit_not_in_the_request(home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        page = ArticlePageFactory(parent=home, title="Zephyr harbour lights")

    job = OutboxJob.objects.get(handler=INDEX_JOB, args=["cms.ArticlePage", str(page.pk)])
    assert job.done_at is None and found("zephyr") == []  # nothing indexed inside the transaction

    for callback in callbacks:
        callback()

    job.refresh_from_db()
    assert job.done_at is not None and job.attempts == 1
    assert found("zephyr") == ["Zephyr harbour lights"]
    assert IndexedObject.objects.get(model="cms.ArticlePage", object_id=str(page.pk)).fingerprint == (
        fingerprints(ArticlePage, [str(page.pk)])[str(page.pk)]
    )
    # Wagtail's own inline indexing is off: no django-task of modelsearch was recorded.
    assert not OutboxJob.objects.filter(handler__startswith="modelsearch.").exists()


def test_a_draft_never_reaches_the_index_and_its_later_draft_edits_record_no_job(home, run_jobs):
    with run_jobs():
        draft = ArticlePageFactory(parent=home, title="Quokka secret plans", live=False)
    assert found("quokka") == [] and not held(draft)

    with run_jobs():
        page = ArticlePageFactory(parent=home, title="Published quince")
    jobs = OutboxJob.objects.filter(handler=INDEX_JOB).count()
    with run_jobs():
        page.title = "Unpublished quince rewrite"
        page.save_revision()  # a draft of a live page: the live content is unchanged
    assert OutboxJob.objects.filter(handler=INDEX_JOB).count() == jobs
    assert found("rewrite") == [] and found("quince") == ["Published quince"]


def test_unpublishing_removes_the_page_and_publishing_again_restores_it(home, run_jobs):
    with run_jobs():
        page = ArticlePageFactory(parent=home, title="Walrus migration routes")
    assert found("walrus") == ["Walrus migration routes"]

    with run_jobs():
        page.unpublish()
    assert found("walrus") == [] and not held(page)
    assert not IndexedObject.objects.filter(object_id=str(page.pk)).exists()

    with run_jobs():
        page.save_revision().publish()
    assert found("walrus") == ["Walrus migration routes"]


def test_deleting_a_page_removes_it_and_its_descendants(home, run_jobs):
    with run_jobs():
        section = SectionPageFactory(parent=home, title="Narwhal section")
        child = ArticlePageFactory(parent=section, title="Narwhal tusks explained")
    assert held(child) and held(section)

    with run_jobs():
        Page.objects.get(pk=section.pk).delete()

    assert found("narwhal") == [] and found("narwhal", Page) == []
    assert not IndexEntry.objects.filter(object_id__in=[str(section.pk), str(child.pk)]).exists()


def test_a_move_re_indexes_the_moved_subtree(home, run_jobs):
    with run_jobs():
        first = SectionPageFactory(parent=home, title="First shelf")
        second = SectionPageFactory(parent=home, title="Second shelf")
        page = ArticlePageFactory(parent=first, title="Ibex mountain paths")
    before = IndexedObject.objects.get(model="cms.ArticlePage", object_id=str(page.pk)).fingerprint

    with run_jobs():
        Page.objects.get(pk=page.pk).move(second, pos="last-child")

    assert OutboxJob.objects.get(handler=SUBTREE_JOB, args=[page.pk]).done_at is not None
    after = IndexedObject.objects.get(model="cms.ArticlePage", object_id=str(page.pk)).fingerprint
    assert after != before and after == fingerprints(ArticlePage, [str(page.pk)])[str(page.pk)]  # the new path
    under_second = ArticlePage.objects.live().filter(path__startswith=second.path)
    assert [p.title for p in get_search_backend().search("ibex", under_second)] == ["Ibex mountain paths"]


def test_a_view_restriction_removes_the_subtree_and_lifting_it_restores_it(home, run_jobs):
    with run_jobs():
        section = SectionPageFactory(parent=home, title="Members area")
        page = ArticlePageFactory(parent=section, title="Okapi members guide")
    assert found("okapi") == ["Okapi members guide"]

    with run_jobs():
        restriction = PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.LOGIN)
    assert found("okapi") == [] and not held(page) and not held(section)

    with run_jobs():
        restriction.delete()
    assert found("okapi") == ["Okapi members guide"]


def test_an_expired_page_is_not_indexed(home, run_jobs):
    from datetime import timedelta

    from django.utils import timezone

    with run_jobs():
        page = ArticlePageFactory(parent=home, title="Tapir spring sale")
        page.expire_at = timezone.now() - timedelta(minutes=1)
        page.save_revision().publish()
    assert found("tapir") == [] and not held(page)


def test_summaries_tags_authors_and_channel_titles_are_searchable(home, run_jobs):
    with run_jobs():
        author = Author.objects.create(name="Philippa Marmoset")
        page = ArticlePageFactory(parent=home, title="Plain title", summary="About the axolotl")
        page.tags.add("capybara")
        page.authors.add(author)
        PageChannelOverride.objects.create(page=page, channel=ChannelFactory(slug="kiosk"), title="Pangolin kiosk title")
        page.save_revision().publish()

    for word in ("axolotl", "capybara", "marmoset", "pangolin"):
        assert found(word) == ["Plain title"], word

    with run_jobs():
        author.name = "Philippa Wombat"
        author.save()  # articles are found by their authors' new name
    assert found("wombat") == ["Plain title"] and found("marmoset") == []


def test_channel_availability_is_a_filter_field_of_the_page(home, run_jobs):
    web, kiosk = ChannelFactory(slug="web"), ChannelFactory(slug="kiosk")
    with run_jobs():
        page = ArticlePageFactory(parent=home, title="Gecko")
        PageChannelOverride.objects.create(page=page, channel=kiosk, offered=False)
        page.save_revision().publish()

    assert ArticlePage.objects.get(pk=page.pk).offered_channel_ids() == [web.pk]


def test_a_personalised_block_is_found_by_its_default_content_never_by_a_variant(home, run_jobs):
    body = [
        {
            "type": "personalised",
            "value": {
                "slot": "offer",
                "mode": "first",
                "default": [{"type": "heading", "value": "Springtime lemur offer"}],
                "variants": [
                    {"segments": [], "channels": [], "content": [{"type": "heading", "value": "Returning jackal offer"}]}
                ],
            },
        }
    ]
    with run_jobs():
        LandingPageFactory(parent=home, title="Offers", body=body)

    assert found("lemur", LandingPage) == ["Offers"]
    assert found("jackal", LandingPage) == []


def test_snippets_are_indexed_on_save_and_removed_on_delete(db, run_jobs):
    with run_jobs():
        promo = Promo.objects.create(title="Flamingo weekend", body="<p>Pink offers</p>")
        CallToAction.objects.create(title="Join the heron club", button_label="Join")
    assert found("flamingo", Promo) == ["Flamingo weekend"]
    assert found("heron", CallToAction) == ["Join the heron club"]

    with run_jobs():
        promo.delete()
    assert found("flamingo", Promo) == []
    assert not IndexEntry.objects.filter(content_type=ContentType.objects.get_for_model(Promo)).exists()


def test_document_titles_are_indexed(db, run_jobs):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    Document = get_document_model()
    with run_jobs():
        Document.objects.create(title="Platypus annual report", file=ContentFile(b"report", name="report.txt"))
    assert [d.title for d in get_search_backend().search("platypus", Document)] == ["Platypus annual report"]
