"""The ingest batcher: concurrent single-article posts share one store-and-queue call, a lone one
goes alone, and one bad article in a group does not fail the others."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy.exc import OperationalError

from services.ingest.batcher import IngestBatcher
from services.ingest.store import Stored
from shared.schemas import ArticleIn


def article(n: int) -> ArticleIn:
    return ArticleIn.model_validate(
        {"text": f"Article number {n} about Berlin.", "external_id": str(n)}
    )


class Recorder:
    """Stands in for store_and_queue: records each call's group; fails on a marked article."""

    def __init__(self, *, fail_on: str | None = None, gate: threading.Event | None = None) -> None:
        self.groups: list[list[str]] = []
        self.fail_on = fail_on
        self.gate = gate

    def __call__(self, items: list[ArticleIn]) -> list[Stored]:
        if self.gate is not None:
            self.gate.wait(5)
        self.groups.append([i.external_id or "" for i in items])
        if self.fail_on is not None and any(i.external_id == self.fail_on for i in items):
            raise ValueError(f"article {self.fail_on} is bad")
        return [Stored(int(i.external_id or 0), "queued", False) for i in items]


async def _submit_all(batcher: IngestBatcher, count: int) -> list[object]:
    return await asyncio.gather(
        *(batcher.submit(article(n)) for n in range(count)), return_exceptions=True
    )


def test_a_lone_article_is_written_alone() -> None:
    async def scenario() -> None:
        handle = Recorder()
        batcher = IngestBatcher(handle)
        batcher.start()
        stored = await batcher.submit(article(7))
        await batcher.stop()
        assert stored == Stored(7, "queued", False)
        assert handle.groups == [["7"]]

    asyncio.run(scenario())


def test_articles_posted_together_share_one_write() -> None:
    async def scenario() -> None:
        gate = threading.Event()  # hold the first write so the others queue up behind it
        handle = Recorder(gate=gate)
        batcher = IngestBatcher(handle, writers=1)
        batcher.start()
        pending = asyncio.ensure_future(_submit_all(batcher, 50))
        await asyncio.sleep(0.2)
        gate.set()
        results = await pending
        await batcher.stop()
        assert [r.id for r in results] == list(range(50))  # type: ignore[union-attr]
        assert len(handle.groups) <= 3  # one held write, then the rest together
        assert sorted(x for g in handle.groups for x in g) == sorted(str(n) for n in range(50))

    asyncio.run(scenario())


def test_one_bad_article_fails_alone() -> None:
    async def scenario() -> None:
        gate = threading.Event()
        handle = Recorder(fail_on="3", gate=gate)
        batcher = IngestBatcher(handle, writers=1)
        batcher.start()
        pending = asyncio.ensure_future(_submit_all(batcher, 6))
        await asyncio.sleep(0.2)
        gate.set()
        results = await pending
        await batcher.stop()
        assert isinstance(results[3], ValueError)
        assert [r.id for i, r in enumerate(results) if i != 3] == [0, 1, 2, 4, 5]  # type: ignore[union-attr]

    asyncio.run(scenario())


def test_an_unreachable_database_fails_the_group_at_once() -> None:
    class Down(Recorder):
        def __call__(self, items: list[ArticleIn]) -> list[Stored]:
            self.groups.append([i.external_id or "" for i in items])
            raise OperationalError("INSERT ...", {}, ConnectionError("connection refused"))

    async def scenario() -> None:
        handle = Down()
        batcher = IngestBatcher(handle, writers=1)
        results = _submit_all(batcher, 5)  # all queued before the writer starts: one group
        pending = asyncio.ensure_future(results)
        await asyncio.sleep(0.05)
        batcher.start()
        answers = await pending
        await batcher.stop()
        assert all(isinstance(a, OperationalError) for a in answers)
        assert len(handle.groups) == 1  # no one-by-one retries against a database that is down

    asyncio.run(scenario())


def test_stop_answers_every_waiting_request() -> None:
    async def scenario() -> None:
        batcher = IngestBatcher(Recorder())  # never started: nothing drains the queue
        waiting = asyncio.ensure_future(batcher.submit(article(1)))
        await asyncio.sleep(0.05)
        await batcher.stop()
        with pytest.raises(RuntimeError, match="shutting down"):
            await waiting

    asyncio.run(scenario())


def test_finish_runs_after_the_answers_and_cannot_fail_them() -> None:
    """`finish` (the service's pending -> queued hint) gets each group's results once its
    requests were answered; if it raises, the answers stand and the writer goes on."""
    finished: list[list[int]] = []

    def finish(stored: list[Stored]) -> None:
        finished.append([s.id for s in stored])
        raise OperationalError("UPDATE ...", {}, ConnectionError("connection refused"))

    async def scenario() -> None:
        batcher = IngestBatcher(Recorder(), finish=finish, writers=1)
        batcher.start()
        first = await batcher.submit(article(1))
        second = await batcher.submit(article(2))
        await batcher.stop()
        assert (first.id, second.id) == (1, 2)
        assert finished == [[1], [2]]

    asyncio.run(scenario())
