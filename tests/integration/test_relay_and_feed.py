"""The outbox at work: broker down at ingest time, relay recovering; the feed under two workers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.ingest.relay import relay_once
from shared.celery_app import make_celery
from shared.settings import Settings
from tests.support.processes import Proc, start_worker
from tests.support.services import Backend, free_port
from tests.support.stack import reset_store, running_stack


def test_broker_down_at_ingest_then_relay_sends_everything(
    backend: Backend, worker: Proc, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    cut_off_backend = Backend(backend.name, backend.database_url, dead_broker, queue=backend.queue)
    backend.flush_broker()
    with running_stack(cut_off_backend, monkeypatch) as cut_off:
        reset_store(cut_off.engine)
        answers = [
            cut_off.ingest.post("/v1/articles", json={"text": f"Kenya and Uganda signed pact {n}."})
            for n in range(5)
        ]
        assert [a.status_code for a in answers] == [202] * 5
        assert {a.json()["status"] for a in answers} == {"pending"}
        ready = cut_off.ingest.get("/readyz").json()
        assert ready["checks"]["database"] == "ok"
        assert ready["checks"]["broker"].startswith("unavailable")

    ids = [a.json()["id"] for a in answers]
    with running_stack(backend, monkeypatch) as stack:
        time.sleep(0.5)  # a worker would have had time to enrich them, had anything been sent
        assert {stack.article(i)["status"] for i in ids} == {"pending"}

        settings = Settings(
            database_url=backend.database_url,
            broker_url=backend.broker_url,
            task_queue=backend.queue,
            relay_pending_after=0,
        )
        celery = make_celery(settings)
        try:
            assert relay_once(engine=stack.engine, celery=celery, settings=settings) == 5
            assert relay_once(engine=stack.engine, celery=celery, settings=settings) == 0
        finally:
            celery.close()
        assert {stack.wait_final(i)["status"] for i in ids} == {"enriched"}


def test_feed_is_seen_exactly_once_while_two_workers_commit(
    backend: Backend, worker: Proc, log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = start_worker(backend, log_dir, concurrency=1)
    try:
        with running_stack(backend, monkeypatch) as stack:
            reset_store(stack.engine)
            backend.flush_broker()
            texts = [
                {
                    "text": f"Story {n}: officials in Nairobi met envoys from Ghana and Peru.\n"
                    f"The talks in Geneva ran late, a spokesman for the UN said ({n}).",
                    "external_id": f"feed-{n}",
                    "source": "feedtest",
                }
                for n in range(60)
            ]
            response = stack.ingest.post("/v1/articles/batch", json=texts)
            assert response.status_code == 202, response.text
            posted = {i["result"]["id"] for i in response.json()["items"]}

            seen: list[int] = []
            positions: list[int] = []
            after = "0"
            deadline = time.monotonic() + 120
            while len(seen) < len(posted) and time.monotonic() < deadline:
                page = stack.api.get("/v1/feed", params={"after": after, "limit": 7}).json()
                for item in page["items"]:
                    seen.append(item["article"]["id"])
                    positions.append(item["seq"])
                after = page["next_after"]
                if not page["items"]:
                    time.sleep(0.05)

            assert sorted(seen) == sorted(posted)  # every article, none twice
            assert positions == list(range(1, len(posted) + 1))  # in order, no gaps
    finally:
        second.stop()
    assert "article enriched" in second.log()  # the second worker did take a share
