"""A change made in one process is served right by every other process on its next request.

Two gunicorn processes serve the API on this test's database; a third process
(`manage.py shell -c`, as an editor's script, a command or a Celery worker would)
publishes, restricts, unrestricts and unpublishes a page and changes a segment. Before
each change both servers have answered (their memos and cached bodies are warm); after
it, each one's very next request must answer right.

`embedded`: the default without services (stamps and cache in files under
SHARED_STATE_DIR). `redis`: the processes share stamps and cache through Redis. The
database is the run's: SQLite in the quick pass, PostgreSQL in the services pass.
"""

import os
import time

import pytest
import redis

from personalization.models import Segment
from tests.factories import ArticlePageFactory, SectionPageFactory
from tests.helpers.servers import serving, shared_state_env, shell

committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TEST_REDIS_URL = os.environ.get("REDIS_URL") or os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.services)])
def shared(request, db, tmp_path):
    """The environment every process of the test shares: the database plus files, or plus Redis."""
    if request.param == "embedded":
        # A state directory of this test's own: nothing an earlier test's servers left is read.
        yield {**shared_state_env(), "REDIS_URL": "", "SHARED_STATE_DIR": str(tmp_path / "state")}
        return
    env = shared_state_env(redis_url=TEST_REDIS_URL)
    yield env
    client = redis.Redis.from_url(TEST_REDIS_URL)
    for key in client.scan_iter(f"{env['CACHE_KEY_PREFIX']}:*"):
        client.delete(key)


def ids(answer: tuple[int, dict]) -> set[int]:
    status, body = answer
    assert status == 200, body
    return {item["id"] for item in body["items"]}


@committed
def test_pages_changed_by_another_process_are_served_right_by_every_process(home, web_key, shared, tmp_path):
    section = SectionPageFactory(parent=home, title="Members")
    article = ArticlePageFactory(parent=section, title="Zephyr crossing", live=False)

    def seen(server) -> tuple[int, bool]:
        """(detail status, listed by ?order=-id) for the article: right on the next request."""
        status, _ = server.get(f"/api/v2/pages/{article.pk}/", web_key)
        return status, article.pk in ids(server.get("/api/v2/pages/?order=-id", web_key))

    def found(server) -> bool:
        return article.pk in ids(server.get("/api/v2/pages/?search=Zephyr", web_key))

    def expect(servers, visible: bool) -> None:
        assert [seen(server) for server in servers] == [(200, True) if visible else (404, False)] * 2
        # The search index follows through an outbox job, which a serving process picks up
        # within OUTBOX_POLL_SECONDS; what it returns is always filtered by visibility, so a
        # hidden page is never found, at once.
        if not visible:
            assert not any(found(server) for server in servers)
        deadline = time.monotonic() + 15
        while [found(server) for server in servers] != [visible] * 2:
            assert time.monotonic() < deadline, "the search index did not follow within 15 s"
            time.sleep(0.2)

    page = f"from wagtail.models import Page, PageViewRestriction; page = Page.objects.get(pk={article.pk}).specific"
    with serving(tmp_path, shared, count=2) as servers:
        expect(servers, visible=False)

        shell(f"{page}; page.save_revision().publish()", shared)
        expect(servers, visible=True)

        # A password on the parent hides its whole subtree.
        shell(f"{page}; PageViewRestriction.objects.create(page_id={section.pk}, "
              "restriction_type='password', password='secret')", shared)
        expect(servers, visible=False)

        shell(f"{page}; PageViewRestriction.objects.filter(page_id={section.pk}).delete()", shared)
        expect(servers, visible=True)

        shell(f"{page}; page.unpublish()", shared)
        expect(servers, visible=False)

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}
DESKTOP = {"attribute": "device", "operator": "equals", "value": "desktop"}


@committed
def test_a_segment_changed_by_another_process_decides_in_every_process(home, web_key, shared, tmp_path):
    segment = Segment.objects.create(key="handheld", name="Handheld", priority=10, definition=MOBILE)
    segment.save_revision().publish()

    def matched(server) -> list[str]:
        """The segments a mobile visitor matches, as this server decides."""
        body = {"context": {"device": "mobile"}, "placements": ["none"]}
        status, answer = server.post("/api/v2/personalize/decide/", body, web_key)
        assert status == 200, answer
        return answer["segments"]

    def redefine(definition: dict) -> str:
        return (f"from personalization.models import Segment; s = Segment.objects.get(pk={segment.pk}); "
                f"s.definition = {definition!r}; s.save(); s.save_revision().publish()")

    with serving(tmp_path, shared, count=2) as servers:
        assert [matched(server) for server in servers] == [["handheld"], ["handheld"]]

        shell(redefine(DESKTOP), shared)
        assert [matched(server) for server in servers] == [[], []]

        shell(redefine(MOBILE), shared)
        assert [matched(server) for server in servers] == [["handheld"], ["handheld"]]

        shell(f"from personalization.models import Segment; Segment.objects.get(pk={segment.pk}).unpublish()", shared)
        assert [matched(server) for server in servers] == [[], []]
