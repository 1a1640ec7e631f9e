"""Background work of the embedded default (no broker): off the request, retried, and on time.

The first tests run the outbox runner thread in this process against real HTTP
receivers; the others start real servers (runserver with its autoreloader, gunicorn
with two workers) on the test database, because their claims are about processes.
All commit their data: `transaction=True, serialized_rollback=True`.
"""

import threading
from collections import Counter
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from cms.embedded import embedded_beat_schedule, embedded_start
from cms.models import OutboxJob, PeriodicRun, Webhook, WebhookDelivery
from cms.outbox import outbox_enqueue, outbox_relay
from cms.outbox.runner import outbox_run_due, outbox_runner_start, outbox_runner_stop
from cms.webhooks.delivery import WEBHOOK_RETRY_DELAYS
from tests.factories import ArticlePageFactory
from tests.helpers.celery import wait_until
from tests.helpers.effects import lines
from tests.helpers.processes import manage
from tests.helpers.servers import embedded_env, parent_pid, serving

committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SCALE = 0.02  # the webhook schedule shortened: 30 s → 0.6 s, 60 s → 1.2 s
EFFECT = "tests.helpers.effects.append_line"
EFFECT_WITH_PID = "tests.helpers.effects.append_line_with_pid"


class Receivers:
    """HTTP receivers on 127.0.0.1: /slow answers after 4 s, /hang never in time, /flaky per plan."""

    def __init__(self) -> None:
        self.flaky_plan: list[int] = []
        self.received: list[str] = []
        self.release = threading.Event()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/slow":
                    time.sleep(4)
                elif self.path == "/hang":
                    state.release.wait(60)  # past the webhook timeout: the sender gives up
                status = state.flaky_plan.pop(0) if self.path == "/flaky" and state.flaky_plan else 200
                state.received.append(self.path)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    state = Receivers()
    yield state
    state.close()


@pytest.fixture
def embedded(settings):
    """The embedded default's outbox runner, as a serving process runs it, with short intervals."""
    settings.OUTBOX_RUNNER = "thread"
    settings.OUTBOX_POLL_SECONDS = 0.1
    settings.OUTBOX_RETRY_SCALE = SCALE
    runner = outbox_runner_start()
    yield runner
    outbox_runner_stop()


def hook(receivers: Receivers, path: str) -> Webhook:
    return Webhook.objects.create(name=path, url=receivers.url + path, secret="s")


def deliveries(path: str) -> list[tuple[int, int | None, bool]]:
    rows = WebhookDelivery.objects.filter(webhook__name=path).order_by("attempt")
    return list(rows.values_list("attempt", "status_code", "succeeded"))


@committed
def test_a_publish_returns_at_once_and_slow_or_hanging_receivers_are_served_afterwards(
    home, receivers, embedded, tmp_path
):
    page = ArticlePageFactory(parent=home, live=False, title="Fast publish")
    reverse("healthz")  # a server has loaded its URLconf (1 s cold) before it routes a publish
    for path in ("/slow", "/hang", "/hang-too"):
        hook(receivers, path)

    started = time.monotonic()
    Page.objects.get(pk=page.pk).specific.save_revision().publish()
    took = time.monotonic() - started

    assert took < 1, f"publish took {took:.1f}s"
    assert WebhookDelivery.objects.count() == 0  # nothing was delivered inside the publish
    # Other work (a cache purge, an index update) does not queue behind the hanging receivers.
    with transaction.atomic():
        outbox_enqueue(EFFECT, args=[str(tmp_path / "effects.txt"), "not held up"])
    wait_until(lambda: lines(tmp_path / "effects.txt") == ["not held up"], timeout=3)
    assert WebhookDelivery.objects.count() == 0  # the first hanging receiver is still being waited on
    wait_until(lambda: deliveries("/slow") == [(1, 200, True)], timeout=30)
    # The hanging receivers time out in the background; their attempts are logged and retried.
    wait_until(lambda: len(deliveries("/hang")) >= 1 and len(deliveries("/hang-too")) >= 1, timeout=30)
    assert deliveries("/hang")[0][1:] == (None, False)


@committed
def test_a_failed_delivery_is_retried_on_the_webhook_schedule_until_delivered(home, receivers, embedded):
    page = ArticlePageFactory(parent=home, live=False, title="Retried")
    hook(receivers, "/flaky")
    receivers.flaky_plan = [500, 503]

    Page.objects.get(pk=page.pk).specific.save_revision().publish()

    job = OutboxJob.objects.filter(handler="cms.webhooks.delivery.webhook_deliver")
    wait_until(lambda: job.get().done_at is not None, timeout=30)  # marked done after its 3rd attempt
    assert deliveries("/flaky") == [(1, 500, False), (2, 503, False), (3, 200, True)]
    attempted = list(WebhookDelivery.objects.order_by("attempt").values_list("attempted_at", flat=True))
    for (before, after), delay in zip(zip(attempted, attempted[1:]), WEBHOOK_RETRY_DELAYS, strict=False):
        assert (after - before).total_seconds() >= delay * SCALE * 0.9  # the backoff was waited
    assert job.get().attempts == 3
    time.sleep(1)
    assert receivers.received.count("/flaky") == 3  # delivered once it succeeded, not again


@committed
def test_jobs_committed_while_no_runner_runs_are_run_when_one_starts(settings, tmp_path):
    settings.OUTBOX_RUNNER = "thread"
    settings.OUTBOX_POLL_SECONDS = 0.1
    effects = tmp_path / "effects.txt"
    with transaction.atomic():
        outbox_enqueue(EFFECT, args=[str(effects), "kept"])
    assert lines(effects) == []  # the commit ran nothing in the committing process

    outbox_runner_start()  # what a restarted server does
    try:
        wait_until(lambda: lines(effects) == ["kept"], timeout=10)
    finally:
        outbox_runner_stop()
    assert OutboxJob.objects.get().done_at is not None


@committed
def test_the_poll_runs_due_jobs_but_not_a_retry_before_its_time(settings, tmp_path):
    settings.OUTBOX_RUNNER = "thread"
    effects, failing = tmp_path / "effects.txt", tmp_path / "fail"
    failing.touch()
    with transaction.atomic():
        job = outbox_enqueue(EFFECT, args=[str(effects), "late"], kwargs={"fail_while_exists": str(failing)})
    assert outbox_run_due() == 1  # fails: the next attempt waits 5 s (DEFAULT_RETRY_DELAYS)
    failing.unlink()
    assert outbox_run_due() == 0 and lines(effects) == []
    OutboxJob.objects.filter(pk=job.pk).update(dispatched_at=timezone.now() - timedelta(seconds=1))
    assert outbox_run_due() == 1
    assert lines(effects) == ["late"]


@pytest.mark.django_db
def test_the_relay_is_left_to_the_runners_poll_without_a_broker(settings, tmp_path):
    settings.OUTBOX_RUNNER = "thread"
    outbox_enqueue(EFFECT, args=[str(tmp_path / "effects.txt"), "waiting"])
    assert outbox_relay() == 0  # no second poll beside the runners': nothing claimed, nothing run
    assert OutboxJob.objects.get().dispatched_at is None and lines(tmp_path / "effects.txt") == []
    assert set(embedded_beat_schedule()) == set(settings.CELERY_BEAT_SCHEDULE) - {"relay-outbox"}


@pytest.mark.django_db
def test_a_commit_wakes_only_the_runners_of_its_jobs_lane(settings, monkeypatch, tmp_path, django_capture_on_commit_callbacks):
    from cms.outbox import runner

    settings.OUTBOX_RUNNER = "thread"
    network, work = runner.OutboxRunner(0, "network"), runner.OutboxRunner(1, "work")
    monkeypatch.setattr(runner, "_runners", [network, work])  # not started: only their wake events are read
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(EFFECT, args=[str(tmp_path / "effects.txt"), "work"])
    assert work.wake.is_set() and not network.wake.is_set()
    work.wake.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue("cms.webhooks.delivery.webhook_deliver", args=[0, "event", {}])
    assert network.wake.is_set() and not work.wake.is_set()


@committed
def test_runserver_publishes_a_scheduled_page_on_time_from_its_serving_child_only(home, tmp_path):
    go_live_at = timezone.now() + timedelta(seconds=4)
    page = ArticlePageFactory(parent=home, live=False, title="Scheduled")
    page.go_live_at = go_live_at
    page.save_revision(approved_go_live_at=go_live_at)
    ticks = tmp_path / "ticks.txt"

    env = {"PUBLISH_EVERY": "1", "TICK_FILE": str(ticks)}
    with serving(tmp_path, embedded_env(env), kind="runserver") as [server]:
        wait_until(lambda: Page.objects.get(pk=page.pk).live, timeout=40, message=server.log)
        went_live = timezone.now()
        wait_until(lambda: len(lines(ticks)) >= 2, timeout=20, message=server.log)
        tick_pids = {int(line.split()[0]) for line in lines(ticks)}
        runners = set(PeriodicRun.objects.values_list("runner", flat=True))
        serving_children = {pid for pid in tick_pids if parent_pid(pid) == server.process.pid}

    assert went_live - go_live_at < timedelta(seconds=15)
    assert Page.objects.get(pk=page.pk).live_revision.approved_go_live_at is None
    # The autoreloader's parent runs nothing; its serving child runs every tick.
    [child] = tick_pids
    assert serving_children == {child}
    assert {runner.rsplit(":", 1)[1] for runner in runners} == {str(child)}


@committed
def test_two_gunicorn_workers_share_the_outbox_and_the_schedule_without_doubles(home, settings, tmp_path):
    settings.OUTBOX_RUNNER = "thread"  # this process commits the jobs like a shell would: it runs none
    effects, ticks = tmp_path / "effects.txt", tmp_path / "ticks.txt"
    env = {"TICK_FILE": str(ticks), "TICK_EVERY": "1"}
    with serving(tmp_path, embedded_env(env), workers=2) as [server]:
        started = "embedded background work started in process"
        wait_until(lambda: server.log().count(started) == 2, timeout=60, message=server.log)  # both compete
        with transaction.atomic():
            for n in range(40):
                outbox_enqueue(EFFECT_WITH_PID, args=[str(effects), f"job-{n}"])
        wait_until(lambda: len(lines(effects)) >= 40 and len(lines(ticks)) >= 6, timeout=60, message=server.log)
        wait_until(lambda: not OutboxJob.objects.filter(done_at__isnull=True).exists(), timeout=30, message=server.log)
        time.sleep(1)  # a doubled job or tick would show by now

    jobs = [line.split()[0] for line in lines(effects)]
    assert sorted(jobs) == sorted(f"job-{n}" for n in range(40))  # each job ran exactly once
    assert len(Counter(line.split()[1] for line in lines(effects))) == 2  # both workers ran jobs
    # One run per second, whichever worker claimed it: two workers each running every tick
    # would make about twice as many runs as seconds.
    times = sorted(float(line.split()[1]) for line in lines(ticks))
    assert len(times) - 1 <= (times[-1] - times[0]) / 1.0 + 1, times


def outbox_runner_of(env: dict[str, str] | None = None):
    """OUTBOX_RUNNER as the base settings resolve it (the shell prints a banner first)."""
    result = manage("shell", "-c", "from django.conf import settings; print(settings.OUTBOX_RUNNER)", env=env)
    return result.stdout.strip().splitlines()[-1] if result.returncode == 0 else result.stderr


def test_the_embedded_default_runs_threads_and_a_broker_leaves_the_work_to_celery():
    assert outbox_runner_of() == "thread"
    assert outbox_runner_of({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/9"}) == "celery"
    assert "OUTBOX_RUNNER must be" in outbox_runner_of({"OUTBOX_RUNNER": "sometimes"})


def test_the_embedded_background_starts_neither_in_tests_nor_beside_a_broker(settings):
    """The outbox runners and scheduler; served-impression counts have a writer thread in every
    serving process (they live in its memory), started only outside tests."""
    import config.wsgi  # noqa: F401  (what a server imports; the test settings run jobs inline)

    assert embedded_start() is False
    settings.OUTBOX_RUNNER = "celery"  # a broker: Celery workers and beat do the work
    assert embedded_start() is False
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("tailor-")]


@pytest.mark.django_db
def test_a_process_that_exits_mid_job_releases_its_claim_for_the_next_runner(settings, tmp_path):
    from cms.outbox import runner

    settings.OUTBOX_RUNNER = "thread"
    job = outbox_enqueue(EFFECT, args=[str(tmp_path / "effects.txt"), "interrupted"])
    assert runner.outbox_claim_next() == job.pk
    assert runner.outbox_claim_next() is None  # claimed: no other runner gets it during the lease

    runner._release_claims_at_exit()  # what the interpreter runs when the server process exits

    assert OutboxJob.objects.get(pk=job.pk).dispatched_at is None
    assert runner.outbox_claim_next() == job.pk
    runner.outbox_run_claimed(job.pk)
    assert lines(tmp_path / "effects.txt") == ["interrupted"]


@pytest.mark.django_db
def test_an_interval_entry_runs_at_once_then_per_interval_and_a_crontab_entry_waits_for_its_time():
    from celery.schedules import crontab

    from cms.embedded.scheduler import periodic_claim, periodic_entries

    every_minute, nightly = periodic_entries({
        "every-minute": {"task": "cms.publish_scheduled", "schedule": 60.0},
        "nightly": {"task": "cms.publish_scheduled", "schedule": crontab(minute=0, hour=4)},
    })
    claimed, next_in = periodic_claim(every_minute)
    assert claimed and 59 <= next_in <= 60
    assert periodic_claim(every_minute)[0] is False  # this tick is taken, by whichever process
    PeriodicRun.objects.filter(name="every-minute").update(last_run_at=timezone.now() - timedelta(seconds=61))
    assert periodic_claim(every_minute)[0] is True
    assert periodic_claim(nightly)[0] is False
    assert PeriodicRun.objects.get(name="nightly").last_run_at is not None
