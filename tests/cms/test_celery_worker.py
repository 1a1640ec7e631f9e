"""The outbox and scheduled publishing against a real Redis broker and a real Celery worker.

These tests commit their data (the worker is another process), hence
`transaction=True, serialized_rollback=True`.
"""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cms.models import OutboxJob
from cms.outbox import outbox_enqueue, outbox_relay
from cms.tasks import publish_scheduled, relay_outbox, run_outbox_job
from tests.factories import ArticlePageFactory
from tests.helpers.celery import RedisServer, celery_broker, celery_worker, unique_queue, wait_until
from tests.helpers.effects import lines

EFFECT = "tests.helpers.effects.append_line"
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)
pytestmark = pytest.mark.services  # a real Redis broker (private or the machine's) and a worker


def pending() -> int:
    return OutboxJob.objects.filter(done_at__isnull=True).count()


@committed
def test_broker_outage_delays_outbox_work_but_loses_and_doubles_none(home, tmp_path):
    drafts = [ArticlePageFactory(parent=home, live=False, title=f"Outage {n}") for n in range(20)]
    effects = tmp_path / "effects.txt"
    queue = unique_queue()
    with RedisServer() as broker, celery_broker(broker.url, queue):
        with celery_worker(broker.url, queue, tmp_path / "worker.log") as worker:
            broker.stop()

            expected, durations = [], []
            for page in drafts:
                started = time.monotonic()
                with transaction.atomic():
                    revision = page.save_revision()
                    revision.publish()
                    key = f"published:{page.pk}:{revision.pk}"
                    outbox_enqueue(EFFECT, args=[str(effects), key], key=key)
                durations.append(time.monotonic() - started)
                expected.append(key)

            assert max(durations) < 3, durations
            assert sum(durations) < 20, durations
            assert OutboxJob.objects.filter(handler=EFFECT, dispatched_at__isnull=True, done_at__isnull=True).count() == 20
            assert lines(effects) == []

            broker.start()
            relay_outbox.apply_async()  # what beat sends every OUTBOX_RELAY_INTERVAL_SECONDS
            wait_until(lambda: pending() == 0, timeout=45, message=worker.log)
            assert sorted(lines(effects)) == sorted(expected)

            # A second relay finds nothing to hand over, and messages delivered twice
            # (a relay racing a commit-time hand-over, a redelivery) have no second effect.
            assert outbox_relay() == 0
            for job in OutboxJob.objects.filter(handler=EFFECT):
                run_outbox_job.apply_async(args=[job.pk])
            # This process may still skip the broker (its backoff): the next relay hands it over.
            sentinel = outbox_enqueue(EFFECT, args=[str(effects), "sentinel"], key="sentinel")
            relay_outbox.apply_async()
            wait_until(lambda: "sentinel" in lines(effects), timeout=20, message=worker.log)
    assert sorted(lines(effects)) == sorted([*expected, "sentinel"])
    assert OutboxJob.objects.get(pk=sentinel.pk).done_at is not None
    assert pending() == 0


@committed
def test_scheduled_publishing_and_expiry_run_through_the_broker(home, tmp_path):
    past = timezone.now() - timedelta(minutes=5)
    scheduled = ArticlePageFactory(parent=home, live=False, title="Goes live")
    scheduled.go_live_at = past
    scheduled.save_revision(approved_go_live_at=past)
    expiring = ArticlePageFactory(parent=home, title="Expires")
    expiring.expire_at = past
    expiring.save(update_fields=["expire_at"])
    assert not scheduled.live and expiring.live

    queue = unique_queue()
    with celery_broker(settings.TEST_BROKER_URL, queue):
        with celery_worker(settings.TEST_BROKER_URL, queue, tmp_path / "worker.log") as worker:
            publish_scheduled.apply_async()

            def done() -> bool:
                scheduled.refresh_from_db()
                expiring.refresh_from_db()
                return scheduled.live and not expiring.live and pending() == 0

            wait_until(done, timeout=20, message=worker.log)

    assert scheduled.live_revision.approved_go_live_at is None  # no longer scheduled
    assert expiring.expired
