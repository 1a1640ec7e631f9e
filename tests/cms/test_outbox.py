"""The transactional outbox: enqueue in the transaction, hand over on commit, run once in effect.

Celery is eager here (the test settings), except where a test points it at the real
broker; tests/cms/test_celery_worker.py runs the outbox against a real worker.
"""

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from wagtail.models import ReferenceIndex

from cms.api.generation import content_generation
from cms.models import CallToAction, OutboxJob
from cms.outbox import outbox_enqueue, outbox_relay, outbox_run
from tests.factories import ArticlePageFactory, ImageFactory
from tests.helpers.celery import celery_broker, unique_queue
from tests.helpers.effects import append_line_task, lines

EFFECT = "tests.helpers.effects.append_line"
pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@pytest.fixture
def effects(tmp_path):
    return tmp_path / "effects.txt"


def test_a_rolled_back_enqueue_leaves_no_job_and_runs_nothing(effects, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback):
        with transaction.atomic():
            outbox_enqueue(EFFECT, args=[str(effects), "rolled back"], key="rolled-back")
            raise Rollback

    assert not OutboxJob.objects.exists()
    assert callbacks == []
    assert lines(effects) == []


def test_a_committed_enqueue_runs_once_on_commit_and_not_before(effects, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            job = outbox_enqueue(EFFECT, args=[str(effects), "committed"], key="committed")
            assert lines(effects) == []  # nothing runs inside the transaction

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.done_at is not None and job.attempts == 1 and job.last_error == ""
    assert lines(effects) == ["committed"]
    assert outbox_relay() == 0  # nothing left to hand over
    assert lines(effects) == ["committed"]


@pytest.mark.services  # the machine's Redis as the broker
def test_a_committed_job_is_handed_to_the_real_broker_on_commit(effects, django_capture_on_commit_callbacks):
    queue = unique_queue()
    with celery_broker(settings.TEST_BROKER_URL, queue):
        with django_capture_on_commit_callbacks(execute=True):
            job = outbox_enqueue(EFFECT, args=[str(effects), "handed over"], key="handed-over")
    client = redis.Redis.from_url(settings.TEST_BROKER_URL)
    try:
        assert client.llen(queue) == 1  # one message waits for a worker
    finally:
        client.delete(queue)
    job.refresh_from_db()
    assert job.dispatched_at is not None and job.done_at is None
    assert lines(effects) == []


def test_running_a_job_twice_has_one_effect(effects):
    job = outbox_enqueue(EFFECT, args=[str(effects), "once"])

    assert outbox_run(job.pk) is True
    assert outbox_run(job.pk) is False
    assert lines(effects) == ["once"]


def test_one_pending_job_per_key_and_a_new_one_once_it_is_done(effects):
    first = outbox_enqueue(EFFECT, args=[str(effects), "first"], key="image:1")
    assert outbox_enqueue(EFFECT, args=[str(effects), "second"], key="image:1") is None
    assert OutboxJob.objects.filter(key="image:1").count() == 1

    outbox_run(first.pk)
    assert outbox_enqueue(EFFECT, args=[str(effects), "third"], key="image:1") is not None
    assert lines(effects) == ["first"]


def test_a_change_enqueued_while_its_keys_job_runs_gets_a_job_of_its_own(effects):
    # The running handler may have read the data before the change: dropping the
    # change's job as a duplicate would lose it.
    handler = "tests.helpers.effects.enqueue_same_key"
    job = outbox_enqueue(handler, args=[str(effects), "page:7"], key="page:7")

    outbox_run(job.pk)

    assert lines(effects) == ["queued"]
    assert OutboxJob.objects.filter(key="page:7", done_at__isnull=True).count() == 1


def test_a_failing_job_stays_pending_and_a_later_relay_completes_it(effects, tmp_path):
    broken = tmp_path / "broken"
    broken.touch()
    job = outbox_enqueue(EFFECT, args=[str(effects), "eventually"], kwargs={"fail_while_exists": str(broken)})

    with pytest.raises(RuntimeError):
        outbox_run(job.pk)
    job.refresh_from_db()
    assert job.done_at is None and job.attempts == 1
    assert "failing on purpose" in job.last_error
    assert lines(effects) == []

    broken.unlink()
    assert outbox_relay() == 1
    job.refresh_from_db()
    assert job.done_at is not None and job.attempts == 2 and job.last_error == ""
    assert lines(effects) == ["eventually"]


def test_wagtails_own_tasks_go_through_the_outbox():
    image = ImageFactory()
    page = ArticlePageFactory(hero_image=image)
    handlers = set(OutboxJob.objects.filter(done_at__isnull=True).values_list("handler", flat=True))
    assert "wagtail.tasks.update_reference_index_task" in handlers
    assert "search.indexing.index_object_job" in handlers  # index updates: Tailor's own job (search/indexing.py)
    assert not ReferenceIndex.get_references_to(image).exists()  # waiting in the outbox, not run inline

    outbox_relay()

    assert not OutboxJob.objects.filter(done_at__isnull=True).exists()
    assert ReferenceIndex.get_references_to(image).filter(object_id=str(page.pk)).exists()


def test_django_tasks_with_long_arguments_are_not_merged_into_one_job(effects):
    # Keys used to be the arguments cut at 255 characters: two jobs differing past
    # the cut shared a key, and the second was dropped as a duplicate.
    prefix = "x" * 300
    append_line_task.enqueue(str(effects), f"{prefix}-a")
    append_line_task.enqueue(str(effects), f"{prefix}-b")
    append_line_task.enqueue(str(effects), f"{prefix}-b")  # a true duplicate is still merged

    assert OutboxJob.objects.filter(handler="tests.helpers.effects.append_line_task").count() == 2
    outbox_relay()
    assert sorted(lines(effects)) == [f"{prefix}-a", f"{prefix}-b"]


UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5},
    }
}


def test_a_cache_purge_the_cache_refused_is_retried_through_the_outbox(django_capture_on_commit_callbacks):
    before = content_generation()
    # REDIS_URL too: without it the stamps live in files (config/stamps.py), not in the cache.
    unreachable = override_settings(CACHES=UNREACHABLE_CACHE, REDIS_URL=UNREACHABLE_CACHE["default"]["LOCATION"])
    with unreachable, django_capture_on_commit_callbacks(execute=True):
        CallToAction.objects.create(title="Join", button_label="Go", link_url="https://example.com")
    assert content_generation() == before  # the change committed while its purge could not reach the cache
    # Only purges wait (the search-index update that also ran asks for one of its own).
    pending = set(OutboxJob.objects.filter(done_at__isnull=True).values_list("handler", flat=True))
    assert pending == {"cms.api.generation.content_generation_bump"}

    outbox_relay()  # the cache answers again

    assert content_generation() > before
    assert not OutboxJob.objects.filter(done_at__isnull=True).exists()
