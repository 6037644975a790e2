"""Group commit for single-article POSTs.

Each POST of one article used to cost its own database commit, broker round trip and second
commit (mark queued): about 5 ms of waiting per article, whatever the concurrency. The batcher
hands articles posted at the same moment to one `store_and_queue` call instead: no added wait
when the service is idle (a lone article goes alone), and under load every group takes all
that arrived while the previous group was being written. A request still gets its answer only
after its row is committed and its task sent (persist first, then enqueue), so nothing about
delivery changes. If a group fails, its articles are retried one by one, so one bad article
cannot fail the others (unless the database itself is unreachable: then all fail at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import InterfaceError, OperationalError

from services.ingest.store import Stored
from shared.schemas import ArticleIn

log = logging.getLogger("wirefeed.ingest.batcher")

StoreAndQueue = Callable[[list[ArticleIn]], list[Stored]]
_Pending = tuple[ArticleIn, "asyncio.Future[Stored]"]
UNAVAILABLE = (OperationalError, InterfaceError)  # the database, not one article, is the problem


class IngestBatcher:
    def __init__(self, handle: StoreAndQueue, *, max_batch: int = 200, writers: int = 2) -> None:
        self._handle = handle
        self._max_batch = max_batch
        self._writers = writers  # groups in flight at once: commit waits overlap
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run()) for _ in range(self._writers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while not self._queue.empty():  # never leave a request hanging
            _, future = self._queue.get_nowait()
            if not future.done():
                future.set_exception(RuntimeError("ingest service shutting down"))

    async def submit(self, item: ArticleIn) -> Stored:
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        await self._queue.put((item, future))
        return await future

    async def _run(self) -> None:
        while True:
            group = [await self._queue.get()]
            while len(group) < self._max_batch and not self._queue.empty():
                group.append(self._queue.get_nowait())
            await self._write(group)

    async def _write(self, group: Sequence[_Pending]) -> None:
        try:
            results = await run_in_threadpool(self._handle, [item for item, _ in group])
        except Exception as exc:
            if len(group) == 1 or isinstance(exc, UNAVAILABLE):
                # The database is unreachable: retrying each article would only wait N times.
                for _, future in group:
                    _settle(future, exc)
                return
            log.warning(
                "group write failed; retrying one by one",
                extra={"articles": len(group), "error": f"{type(exc).__name__}: {exc}"},
            )
            for pending in group:
                await self._write([pending])
            return
        for (_, future), result in zip(group, results, strict=True):
            _settle(future, result)


def _settle(future: asyncio.Future[Stored], outcome: Stored | BaseException) -> None:
    if future.done():  # the client went away and the request was cancelled
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
