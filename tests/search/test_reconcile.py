"""The reconciler on the database backend: missing, stale and changed entries repaired; a second run finds none."""

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from cms.models import ArticlePage, Promo
from search.models import IndexedObject
from search.reconcile import reconcile
from search.tasks import reconcile_task
from tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


def titles(word: str) -> list[str]:
    return sorted(page.title for page in get_search_backend().search(word, ArticlePage))


@pytest.fixture
def indexed(home, django_capture_on_commit_callbacks):
    """Three live articles and a promo, indexed through the outbox, and an index that matches."""
    with django_capture_on_commit_callbacks(execute=True):
        pages = [ArticlePageFactory(parent=home, title=f"Heron {name}") for name in ("one", "two", "three")]
        Promo.objects.create(title="Heron promo")
    reconcile()  # the home page and tree root were made before the outbox ran jobs at commit
    return pages


def test_missing_stale_and_changed_entries_are_repaired_and_a_second_run_finds_nothing(indexed):
    one, two, three = indexed
    # Drift that no signal reports: an entry lost, rows updated behind the ORM's back.
    IndexEntry.objects.filter(content_type=ContentType.objects.get_for_model(ArticlePage), object_id=str(one.pk)).delete()
    Page.objects.filter(pk=two.pk).update(live=False)
    ArticlePage.objects.filter(pk=three.pk).update(title="Ocelot renamed")
    # Found by its old words, not its new ones; "one" not at all; "two" still (search filters nothing here).
    assert titles("heron") == ["Heron two", "Ocelot renamed"] and titles("ocelot") == []

    report = reconcile()

    counts = report.models["cms.ArticlePage"]
    assert (counts.added, counts.updated, counts.removed) == (1, 1, 1)
    assert report.models["cms.Promo"].repairs == 0
    # "three" keeps "heron" in its summary ("Summary of Heron three"); "two" is gone.
    assert titles("heron") == ["Heron one", "Ocelot renamed"] and titles("ocelot") == ["Ocelot renamed"]
    assert reconcile().repairs == 0


def test_a_dry_run_counts_and_changes_nothing(indexed):
    Page.objects.filter(pk=indexed[0].pk).update(live=False)

    assert reconcile(dry_run=True).removed == 1
    assert titles("heron") == ["Heron one", "Heron three", "Heron two"]


def test_the_command_prints_counts_and_then_that_nothing_is_left_to_do(indexed):
    Promo.objects.filter(title="Heron promo").update(title="Heron promo, renamed")
    first, second = StringIO(), StringIO()

    call_command("search_reconcile", stdout=first, stderr=StringIO())
    call_command("search_reconcile", stdout=second, stderr=StringIO())

    assert "cms.Promo" in first.getvalue() and "0 added, 1 updated, 0 removed" in first.getvalue()
    assert "nothing to do" in second.getvalue()


def test_the_periodic_task_is_scheduled_and_repairs(indexed):
    assert settings.CELERY_BEAT_SCHEDULE["search-reconcile"]["task"] == reconcile_task.name
    Page.objects.filter(pk=indexed[0].pk).update(live=False)

    result = reconcile_task.apply().get()

    assert result["removed"] == 1 and result["added"] == 0
    assert reconcile().repairs == 0


def test_update_index_shows_progress_and_leaves_nothing_to_reconcile(indexed, capsys):
    IndexedObject.objects.all().delete()
    call_command("update_index", stdout=StringIO())

    progress = capsys.readouterr().err
    assert "cms.ArticlePage" in progress and "1/1" in progress  # tqdm's bar per model
    assert IndexedObject.objects.filter(model="cms.ArticlePage").count() == 3
    assert reconcile().repairs == 0
    assert titles("heron") == ["Heron one", "Heron three", "Heron two"]
