"""Group commit for single-article POSTs.

Each POST of one article used to cost its own database commit, broker round trip and second
commit (mark queued): about 5 ms of waiting per article, whatever the concurrency. The batcher
hands articles posted at the same moment to one `store_and_queue` call instead: no added wait
when the service is idle (a lone article goes alone), and under load every group takes all
that arrived while the previous group was being written. A request still gets its answer only
after its row is committed and its task sent (persist first, then enqueue), so nothing about
delivery changes; the pending -> queued hint (`finish`) is written after the answers went out
(if it is lost, the relay re-sends: a duplicate task, which workers ignore). If a group fails,
its articles are retried one by one, so one bad article cannot fail the others (unless the
database itself is unreachable: then all fail at once).

The writers are threads of their own that take articles straight from a thread-safe queue and
settle a whole group's futures with one call into the event loop. Handing each group to the
thread pool instead (`run_in_threadpool`) cost a pool hand-off and its wake-up per group, ~7%
of a single POST's CPU at 64 connections (py-spy, bench/ANALYSIS.md).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence

from sqlalchemy.exc import InterfaceError, OperationalError

from services.ingest.store import Stored
from shared.schemas import ArticleIn

log = logging.getLogger("wirefeed.ingest.batcher")

StoreAndQueue = Callable[[list[ArticleIn]], list[Stored]]
Finish = Callable[[list[Stored]], None]
_Pending = tuple[ArticleIn, "asyncio.Future[Stored]"]
_Outcome = tuple["asyncio.Future[Stored]", "Stored | BaseException"]
UNAVAILABLE = (OperationalError, InterfaceError)  # the database, not one article, is the problem
STOP_SECONDS = 30.0  # how long `stop` waits for a group being written


class IngestBatcher:
    def __init__(
        self,
        handle: StoreAndQueue,
        *,
        finish: Finish | None = None,
        max_batch: int = 200,
        writers: int = 2,
    ) -> None:
        self._handle = handle
        self._finish = finish  # after a group's answers went out: work off their latency
        self._max_batch = max_batch
        self._writers = writers  # groups in flight at once: commit waits overlap
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()  # None: stop
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._run, name=f"ingest-writer-{n}", daemon=True)
            for n in range(self._writers)
        ]
        for thread in self._threads:
            thread.start()

    async def stop(self) -> None:
        """Let the groups being written finish (their requests get their answers), then refuse
        whatever still waits."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            await asyncio.to_thread(thread.join, STOP_SECONDS)
        self._threads = []
        while True:  # never leave a request hanging
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                break
            if pending is not None and not pending[1].done():
                pending[1].set_exception(RuntimeError("ingest service shutting down"))

    def idle(self) -> bool:
        """No article waits for a writer."""
        return self._queue.empty()

    async def submit(self, item: ArticleIn) -> Stored:
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._queue.put((item, future))
        return await future

    def _run(self) -> None:
        """One writer thread: a group is the first waiting article and all queued behind it."""
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            stopping = False
            while len(group) < self._max_batch:
                try:
                    pending = self._queue.get_nowait()
                except queue.Empty:
                    break
                if pending is None:  # this writer's stop signal: write what it holds, then end
                    stopping = True
                    break
                group.append(pending)
            outcomes = self._write(group)
            _answer(outcomes)
            if self._finish is not None:
                self._after(outcomes)
            if stopping:
                return

    def _after(self, outcomes: list[_Outcome]) -> None:
        assert self._finish is not None
        try:
            self._finish([o for _, o in outcomes if isinstance(o, Stored)])
        except Exception as exc:  # answered already; what `finish` does must be recoverable
            log.warning("after-answer step failed", extra={"error": f"{type(exc).__name__}: {exc}"})

    def _write(self, group: Sequence[_Pending]) -> list[_Outcome]:
        try:
            results = self._handle([item for item, _ in group])
        except Exception as exc:
            if len(group) == 1 or isinstance(exc, UNAVAILABLE):
                # The database is unreachable: retrying each article would only wait N times.
                return [(future, exc) for _, future in group]
            log.warning(
                "group write failed; retrying one by one",
                extra={"articles": len(group), "error": f"{type(exc).__name__}: {exc}"},
            )
            return [outcome for pending in group for outcome in self._write([pending])]
        return [(future, result) for (_, future), result in zip(group, results, strict=True)]


def _answer(outcomes: list[_Outcome]) -> None:
    """Settle a group's futures on their event loop, in one call from the writer thread."""
    if outcomes:
        loop = outcomes[0][0].get_loop()
        try:
            loop.call_soon_threadsafe(_settle_all, outcomes)
        except RuntimeError:  # the loop is closed: no request is left to answer
            log.warning("event loop closed; %d answers dropped", len(outcomes))


def _settle_all(outcomes: list[_Outcome]) -> None:
    for future, outcome in outcomes:
        _settle(future, outcome)


def _settle(future: asyncio.Future[Stored], outcome: Stored | BaseException) -> None:
    if future.done():  # the client went away and the request was cancelled
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
