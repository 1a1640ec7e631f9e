"""Webhooks delivered to a real HTTP server on 127.0.0.1, through the outbox, eager Celery.

The receiver answers the statuses a test plans (then 200). Changes run inside
`django_capture_on_commit_callbacks(execute=True)`, so the outbox hands its jobs
over exactly as after a real commit; the rollback test commits for real.
"""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from cms import tasks
from cms.models import OutboxJob, PageChannelOverride, Promo, Webhook, WebhookDelivery
from cms.outbox import OutboxRetry, outbox_relay, outbox_retry_delay
from cms.outbox.services import MAX_ATTEMPTS
from cms.webhooks.delivery import WEBHOOK_RETRY_DELAYS
from cms.webhooks.services import DELIVER_HANDLER, webhook_event_record
from tests.factories import ArticlePageFactory, ChannelFactory, HomePageFactory, SectionPageFactory

pytestmark = pytest.mark.django_db

SECRET = "shared-secret-for-tests"


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    planned: list[int] = field(default_factory=list)  # statuses to answer, in order; then 200

    def events(self) -> list[tuple[str, str]]:
        return [(r.path, r.json["event"]) for r in self.requests]


@pytest.fixture
def receiver(monkeypatch):
    """An HTTP server in a thread on 127.0.0.1 that records every POST."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = state.planned.pop(0) if state.planned else 200
            payload = b"receiver says no" if status >= 400 else b"ok"
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def article(home):
    section = SectionPageFactory(parent=home, title="News", slug="news")
    return ArticlePageFactory(parent=section, title="Launch", slug="launch")


def make_webhook(receiver: Receiver, path: str = "/hook", **fields) -> Webhook:
    """Create webhooks after the content a test starts from, so that content sends nothing."""
    return Webhook.objects.create(name=path, url=receiver.url + path, secret=SECRET, **fields)


def publish(page: Page) -> None:
    Page.objects.get(pk=page.pk).specific.save_revision().publish()


def verify(request: Received, secret: str = SECRET) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    timestamp = request.headers["Tailor-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(request.headers["Tailor-Signature"], f"sha256={expected}")


def webhook_jobs():
    return OutboxJob.objects.filter(handler=DELIVER_HANDLER)


def test_publish_posts_one_signed_event(receiver, article, django_capture_on_commit_callbacks):
    make_webhook(receiver)

    with django_capture_on_commit_callbacks(execute=True):
        publish(article)

    [request] = receiver.requests
    body = request.json
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Tailor-Event"] == "page.published"
    assert request.headers["Tailor-Event-Id"] == body["id"]
    assert abs(int(request.headers["Tailor-Timestamp"]) - time.time()) < 60
    assert verify(request)
    assert not verify(request, secret="another secret")
    article.refresh_from_db()
    assert body["event"] == "page.published"
    assert body["page"] == {
        "id": article.pk,
        "type": "cms.ArticlePage",
        "url_path": "/test-home/news/launch/",
        "api_path": f"/api/v2/pages/{article.pk}/",
        "revision_id": article.live_revision_id,
    }
    assert timezone.datetime.fromisoformat(body["occurred_at"]) <= timezone.now()
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.event_id, delivery.event, delivery.attempt) == (body["id"], "page.published", 1)
    assert (delivery.status_code, delivery.succeeded, delivery.error) == (200, True, "")
    assert webhook_jobs().get().done_at is not None


def test_failed_delivery_is_logged_and_retried_by_the_relay(receiver, article, django_capture_on_commit_callbacks):
    make_webhook(receiver)
    receiver.planned = [500]

    with django_capture_on_commit_callbacks(execute=True):
        publish(article)

    [failed] = WebhookDelivery.objects.all()
    assert (failed.attempt, failed.status_code, failed.succeeded) == (1, 500, False)
    assert failed.error == "HTTP 500: receiver says no"
    job = webhook_jobs().get()
    assert (job.done_at, job.attempts) == (None, 1)

    outbox_relay()  # eager mode: the relay runs the pending job again

    first, second = receiver.requests
    assert first.headers["Tailor-Event-Id"] == second.headers["Tailor-Event-Id"] == failed.event_id
    assert first.body == second.body and verify(second)
    attempts = WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code", "succeeded")
    assert list(attempts) == [(1, 500, False), (2, 200, True)]
    assert webhook_jobs().get().done_at is not None
    outbox_relay()
    assert len(receiver.requests) == 2


def test_celery_task_retries_on_the_webhook_schedule(
    receiver, article, django_capture_on_commit_callbacks, monkeypatch
):
    make_webhook(receiver)
    receiver.planned = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        publish(article)  # attempt 1 fails in the eager hand-over
    job = webhook_jobs().get()
    countdowns = []

    def recording_retry_delay(job_id):
        countdowns.append(outbox_retry_delay(job_id))
        return countdowns[-1]

    monkeypatch.setattr(tasks, "outbox_retry_delay", recording_retry_delay)

    # .apply() runs the task here and its retries at once, countdown ignored;
    # throw=False lets Celery's eager retry run instead of raising Retry.
    assert tasks.run_outbox_job.apply(args=[job.pk], throw=False).get() is True

    assert countdowns == [WEBHOOK_RETRY_DELAYS[1]]  # after attempt 2
    assert len({r.headers["Tailor-Event-Id"] for r in receiver.requests}) == 1
    attempts = WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code", "succeeded")
    assert list(attempts) == [(1, 500, False), (2, 503, False), (3, 200, True)]
    job.refresh_from_db()
    assert (job.attempts, job.last_error) == (3, "")
    assert job.done_at is not None


def test_retry_schedule_backs_off_for_over_an_hour_and_is_bounded():
    assert len(WEBHOOK_RETRY_DELAYS) >= 8
    assert sum(WEBHOOK_RETRY_DELAYS) >= 3600
    assert list(WEBHOOK_RETRY_DELAYS) == sorted(WEBHOOK_RETRY_DELAYS)
    assert max(WEBHOOK_RETRY_DELAYS) < 3600  # Redis' visibility timeout for delayed messages
    assert len(WEBHOOK_RETRY_DELAYS) + 1 <= MAX_ATTEMPTS  # the relay never outlasts the schedule

    job = OutboxJob.objects.create(handler=DELIVER_HANDLER, kwargs={}, attempts=1)
    assert outbox_retry_delay(job.pk) == 30
    job.refresh_from_db()
    assert job.dispatched_at > timezone.now()  # the relay leaves it to the scheduled retry
    OutboxJob.objects.filter(pk=job.pk).update(attempts=len(WEBHOOK_RETRY_DELAYS) + 1)
    assert outbox_retry_delay(job.pk) is None


def test_delivery_gives_up_when_the_schedule_is_exhausted(receiver, article, django_capture_on_commit_callbacks):
    make_webhook(receiver)
    receiver.planned = [500] * 3
    with django_capture_on_commit_callbacks(execute=True):
        publish(article)
    job = webhook_jobs().get()
    OutboxJob.objects.filter(pk=job.pk).update(attempts=MAX_ATTEMPTS - 1)

    with pytest.raises(OutboxRetry):
        tasks.run_outbox_job.apply(args=[job.pk])

    assert len(receiver.requests) == 2  # no retry scheduled after the last attempt
    outbox_relay()
    assert len(receiver.requests) == 2  # nor by the relay
    job.refresh_from_db()
    assert (job.done_at, job.attempts) == (None, MAX_ATTEMPTS)
    assert not WebhookDelivery.objects.filter(succeeded=True).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rolled_back_publish_sends_nothing(receiver):
    home = HomePageFactory(title="Home", slug="rollback-home")
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    article = ArticlePageFactory(parent=home, title="Embargoed", slug="embargoed")
    make_webhook(receiver)

    with pytest.raises(RuntimeError), transaction.atomic():
        publish(article)
        assert webhook_jobs().count() == 1
        raise RuntimeError("the publish fails after the event was recorded")

    assert not webhook_jobs().exists()
    outbox_relay()
    assert receiver.requests == []

    publish(article)  # committed for real this time: the on-commit hand-over delivers it
    assert receiver.events() == [("/hook", "page.published")]
    assert WebhookDelivery.objects.get().succeeded


def test_unpublish_sends_page_unpublished(receiver, article, django_capture_on_commit_callbacks):
    make_webhook(receiver)

    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()

    [request] = receiver.requests
    assert request.json["event"] == "page.unpublished"
    assert request.json["page"]["id"] == article.pk
    assert request.json["page"]["revision_id"] is None
    assert verify(request)


def test_move_sends_page_moved_with_both_paths(receiver, article, home, django_capture_on_commit_callbacks):
    archive = SectionPageFactory(parent=home, title="Archive", slug="archive")
    make_webhook(receiver)

    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=article.pk).move(archive, pos="last-child")

    [request] = receiver.requests
    assert request.json["event"] == "page.moved"
    assert request.json["page"]["url_path"] == "/test-home/archive/launch/"
    assert request.json["page"]["url_path_before"] == "/test-home/news/launch/"


def test_delete_sends_page_deleted_for_each_live_page(receiver, article, home, django_capture_on_commit_callbacks):
    section = article.get_parent()
    draft = ArticlePageFactory(parent=section, title="Draft", slug="draft", live=False)
    make_webhook(receiver)

    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=section.pk).delete()

    deleted = sorted((r.json["event"], r.json["page"]["id"], r.json["page"]["type"]) for r in receiver.requests)
    assert deleted == [("page.deleted", section.pk, "cms.SectionPage"), ("page.deleted", article.pk, "cms.ArticlePage")]
    assert draft.pk not in {r.json["page"]["id"] for r in receiver.requests}  # never live, never delivered
    assert all(verify(r) for r in receiver.requests)
    assert WebhookDelivery.objects.filter(succeeded=True).count() == 2


def test_channel_webhooks_hear_only_of_pages_offered_on_their_channel(
    receiver, article, django_capture_on_commit_callbacks
):
    web, kiosk = ChannelFactory(slug="web"), ChannelFactory(slug="kiosk")
    page = Page.objects.get(pk=article.pk).specific
    page.channel_overrides.add(PageChannelOverride(channel=kiosk, offered=False))
    page.save_revision().publish()
    make_webhook(receiver, "/web", channel=web)
    make_webhook(receiver, "/kiosk", channel=kiosk)
    make_webhook(receiver, "/all")

    with django_capture_on_commit_callbacks(execute=True):
        publish(article)
        webhook_event_record("rules.changed", obj=web, channel_ids=[web.pk])

    assert PageChannelOverride.objects.filter(page=article, channel=kiosk, offered=False).exists()
    assert sorted(receiver.events()) == [
        ("/all", "page.published"),
        ("/all", "rules.changed"),
        ("/web", "page.published"),
        ("/web", "rules.changed"),
    ]
    rules = next(r.json for r in receiver.requests if r.json["event"] == "rules.changed")
    assert rules["object"] == {"type": "cms.Channel", "id": web.pk}


def test_inactive_or_unsubscribed_webhooks_get_nothing(receiver, article, django_capture_on_commit_callbacks):
    make_webhook(receiver, "/inactive", active=False)
    make_webhook(receiver, "/unpublish-only", events=["page.unpublished"])
    make_webhook(receiver, "/publish-only", events=["page.published"])

    with django_capture_on_commit_callbacks(execute=True):
        publish(article)

    assert receiver.events() == [("/publish-only", "page.published")]
    assert webhook_jobs().count() == 1


def test_webhook_deactivated_after_the_event_is_skipped(receiver, article, django_capture_on_commit_callbacks):
    webhook = make_webhook(receiver)
    receiver.planned = [500]
    with django_capture_on_commit_callbacks(execute=True):
        publish(article)
    Webhook.objects.filter(pk=webhook.pk).update(active=False)

    outbox_relay()

    assert len(receiver.requests) == 1
    assert webhook_jobs().get().done_at is not None  # nothing left to retry
    assert WebhookDelivery.objects.count() == 1


def test_snippet_change_sends_content_changed(receiver, home, django_capture_on_commit_callbacks):
    make_webhook(receiver, events=["content.changed"])

    with django_capture_on_commit_callbacks(execute=True):
        promo = Promo.objects.create(title="Spring sale")

    [request] = receiver.requests
    assert request.json["event"] == "content.changed"
    assert request.json["object"] == {"type": "cms.Promo", "id": promo.pk}


def test_each_event_has_its_own_id_shared_by_all_its_webhooks(receiver, article, django_capture_on_commit_callbacks):
    make_webhook(receiver, "/one")
    make_webhook(receiver, "/two")

    with django_capture_on_commit_callbacks(execute=True):
        publish(article)
        publish(article)

    ids = [r.headers["Tailor-Event-Id"] for r in sorted(receiver.requests, key=lambda r: r.path)]
    assert len(ids) == 4 and len(set(ids)) == 2
    assert sorted(ids[:2]) == sorted(ids[2:])


def test_unreachable_receiver_is_logged_as_an_error(article, django_capture_on_commit_callbacks):
    Webhook.objects.create(name="Gone", url="http://127.0.0.1:9/hook", secret=SECRET)

    with django_capture_on_commit_callbacks(execute=True):
        publish(article)

    [failed] = WebhookDelivery.objects.all()
    assert (failed.status_code, failed.succeeded) == (None, False)
    assert "refused" in failed.error.lower()
    assert webhook_jobs().get().done_at is None


def test_a_delivery_holds_no_transaction_while_it_waits_on_the_receiver(
    receiver, article, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import connection

    from cms.webhooks import delivery

    make_webhook(receiver)
    depth_during_post = []
    real_post = delivery._post

    def observed_post(*args):
        depth_during_post.append(len(connection.atomic_blocks))
        return real_post(*args)

    monkeypatch.setattr(delivery, "_post", observed_post)
    depth_outside = len(connection.atomic_blocks)  # the test's own transaction
    with django_capture_on_commit_callbacks(execute=True):
        publish(article)
    assert depth_during_post == [depth_outside]
    assert receiver.events() == [("/hook", "page.published")]
    assert webhook_jobs().get().done_at is not None
