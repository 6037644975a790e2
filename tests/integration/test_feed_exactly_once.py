"""Acceptance (issue 10): a consumer following the feed sees every event exactly once, in
position order, while new articles, revisions, retractions and a re-enrichment run interleave
under two workers (plus a worker of a changed pipeline on its own reenrich queue). The feed it
read is then audited against the store and against what each article went through."""

from __future__ import annotations

import io
import threading
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from shared.celery_app import make_celery
from shared.reenrich_jobs import Selector
from shared.settings import Settings
from tests.support.processes import Proc, backend_env, start_worker, wait_until
from tests.support.services import Backend
from tests.support.stack import Stack, reset_store, running_stack
from wirefeed.reenrich_cli import run_reenrich

SOURCE = "acceptance"
CITIES = ["Nairobi", "Lisbon", "Osaka", "Lima", "Oslo", "Cairo", "Quito", "Hanoi"]


def _article(n: int, version: int = 0) -> dict[str, Any]:
    city = CITIES[n % len(CITIES)]
    lines = [
        f"Officials in {city} said on Monday that plan {n} would go ahead.",
        f"The mayor of {city} met envoys from Ghana (version {version}).",
    ]
    if n % 2 == 0:  # what the changed pipeline keeps: re-enrichment changes these articles
        lines.append("Read also| Markets rally as rates hold steady")
    return {"text": "\n".join(lines), "source": SOURCE, "external_id": f"a-{n}"}


class Follower(threading.Thread):
    """A consumer paging through /v1/feed from position 0, small pages, as fast as it can."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.items: list[dict[str, Any]] = []
        self.after = "0"
        self.stop = threading.Event()
        self.error: str | None = None

    def page(self) -> int:
        response = self.stack.api.get("/v1/feed", params={"after": self.after, "limit": 7})
        if response.status_code != 200:
            self.error = response.text
            return 0
        body = response.json()
        self.items.extend(body["items"])
        self.after = body["next_after"]
        return len(body["items"])

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if not self.page():
                    time.sleep(0.02)
        except Exception:  # reported by the test, not lost in the thread
            self.error = traceback.format_exc()


def _store(stack: Stack) -> tuple[list[Any], dict[int, Any], list[Any], int]:
    with stack.engine.connect() as connection:
        events = connection.execute(
            text("SELECT position, article_id, revision, kind, cause FROM feed_event ORDER BY 1")
        ).all()
        articles = {
            r.id: r
            for r in connection.execute(text("SELECT id, status, revision FROM article")).all()
        }
        revisions = connection.execute(
            text("SELECT article_id, revision, status FROM article_revision")
        ).all()
        drift = connection.execute(
            text(
                "SELECT COUNT(*) FROM entity e WHERE e.article_count <> "
                "(SELECT COUNT(*) FROM article_entity ae WHERE ae.entity_id = e.id)"
            )
        ).scalar_one()
    return list(events), articles, list(revisions), int(drift)


def _settled(stack: Stack) -> bool:
    _, articles, revisions, _ = _store(stack)
    return all(a.status in ("enriched", "retracted") for a in articles.values()) and all(
        r.status != "pending" for r in revisions
    )


@pytest.mark.slow  # started first (tests/conftest.py)
def test_feed_exactly_once_under_revisions_retractions_and_reenrichment(
    backend: Backend, worker: Proc, log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = start_worker(backend, log_dir, concurrency=1)
    changed_queue = f"re{backend.queue}-acceptance"
    changed_env = {"WIREFEED_DISABLED_RULES": "read-also", "WIREFEED_REENRICH_QUEUE": changed_queue}
    argv = ["worker", "--concurrency", "1", "--queues", changed_queue]
    reworker = Proc("reenrich-worker", argv, backend_env(backend, **changed_env), log_dir)
    reworker.wait_for_log(" ready.", timeout=120)
    changed = Settings(
        database_url=backend.database_url,
        broker_url=backend.broker_url,
        task_queue=backend.queue,
        reenrich_queue=changed_queue,
        disabled_rules=["read-also"],
    )
    celery = make_celery(changed)
    try:
        with running_stack(backend, monkeypatch) as stack:
            reset_store(stack.engine)
            backend.flush_broker()
            follower = Follower(stack)
            follower.start()
            ids: dict[int, int] = {}

            def post_new(numbers: range) -> None:
                answer = stack.ingest.post(
                    "/v1/articles/batch", json=[_article(n) for n in numbers]
                )
                assert answer.status_code == 202, answer.text
                for n, item in zip(numbers, answer.json()["items"], strict=True):
                    ids[n] = item["result"]["id"]

            post_new(range(0, 20))
            wait_until(
                lambda: len(follower.items) >= 8 or follower.error is not None,
                60,
                "the first articles in the feed",
            )
            assert follower.error is None, follower.error
            for n in range(0, 8):  # corrections, two of them twice
                stack.post(_article(n, version=1))
            for n in (1, 2):
                stack.post(_article(n, version=2))
            assert stack.ingest.delete(f"/v1/articles/{ids[3]}", params={"reason": "a"}).is_success
            stack.post({"source": SOURCE, "external_id": "a-9", "retracted": True})
            post_new(range(20, 40))

            out = io.StringIO()
            job = threading.Thread(
                target=run_reenrich,
                kwargs={
                    "selector": Selector(source=SOURCE),
                    "settings": changed,
                    "engine": stack.engine,
                    "celery": celery,
                    "out": out,
                    "window": 10,
                    "poll": 0.2,
                },
            )
            job.start()
            post_new(range(40, 50))
            for n in (4, 21, 22, 41):
                stack.post(_article(n, version=3))
            assert stack.ingest.delete(f"/v1/articles/{ids[22]}").is_success  # revision pending
            job.join(180)
            assert not job.is_alive(), out.getvalue()

            wait_until(lambda: _settled(stack), 120, "every article and revision to settle")
            events, articles, revisions, drift = _store(stack)
            wait_until(
                lambda: len(follower.items) >= len(events) or follower.error is not None,
                60,
                "the follower to catch up",
            )
            follower.stop.set()
            follower.join(10)
            counter = stack.api.get("/v1/feed", params={"after": follower.after}).json()
    finally:
        celery.close()
        second.stop()
        reworker.stop()

    assert follower.error is None, follower.error
    assert counter["items"] == []  # nothing after what it read
    seen = [(i["seq"], i["article"]["id"], i["revision"], i["event"]) for i in follower.items]
    # Every position once, in order, no gaps, and exactly what the store holds.
    assert [s[0] for s in seen] == list(range(1, len(events) + 1))
    assert seen == [(e.position, e.article_id, e.revision, e.kind) for e in events]
    assert drift == 0, "entity counts drifted from the article-entity rows"

    by_article: dict[int, list[Any]] = defaultdict(list)
    for event in events:
        by_article[event.article_id].append(event)
    enriched_revisions = {(r.article_id, r.revision) for r in revisions if r.status == "enriched"}
    enriched_revisions |= {(a.id, a.revision) for a in articles.values() if a.status == "enriched"}
    assert set(by_article) == set(articles), "every article shows up in the feed"
    for article_id, history in by_article.items():
        article = articles[article_id]
        from_revisions = [e for e in history if e.cause == "revision"]
        revised = [e.revision for e in from_revisions]
        # One event per enriched revision, in revision order; the first one is `created`.
        assert revised == sorted({r for a, r in enriched_revisions if a == article_id})
        assert history[0].kind in ("created", "retracted")
        assert all(e.kind == "updated" for e in history[1:] if e.cause != "retraction")
        assert sum(1 for e in history if e.cause == "reenrich") <= 1  # one job
        if article.status == "retracted":
            assert history[-1].kind == "retracted" and history[-1].revision == article.revision
            assert sum(1 for e in history if e.kind == "retracted") == 1
    reenriched = sum(1 for e in events if e.cause == "reenrich")
    assert reenriched >= 1, out.getvalue()
    assert "done" in out.getvalue()
