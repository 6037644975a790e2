"""Faults 1, 2, 5 and 8: workers killed, their children killed, tasks delivered twice, workers
stopped for a deploy. Real worker processes on PostgreSQL + Redis; the store is audited after."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.reliability.harness import (
    Ingest,
    article,
    audit,
    count_in_logs,
    record_result,
    settle,
    start_relay,
    store_engine,
    wait_all_final,
    worker_children,
)
from tests.support.processes import Proc, start_worker, wait_until
from tests.support.services import Backend

pytestmark = pytest.mark.integration
STARTED = '"enrich attempt started"'


def _wait_started(worker: Proc, *, more_than: int, timeout: float = 30) -> None:
    wait_until(lambda: worker.log().count(STARTED) > more_than, timeout, "a task to start")


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", ["pg_redis", "sqlite_valkey"])
def test_worker_sigkilled_repeatedly_during_a_run(
    backend_name: str, request: pytest.FixtureRequest, log_dir: Path
) -> None:
    """Fault 1: the whole worker (parent and pool) SIGKILLed mid-task, three times, restarted;
    on PostgreSQL + Redis and on the embedded SQLite + Valkey (a kill inside an SQLite write)."""
    backend: Backend = request.getfixturevalue(backend_name)
    started = time.monotonic()
    posted, kills = 150, 3
    # Each task sleeps a little so a kill lands mid-task; the relay re-sends what the killed
    # worker held (in production after relay_queued_after; here after a few seconds).
    env = {"WIREFEED_TESTING_TASK_DELAY": "0.05"}
    ingest = Ingest(backend, log_dir)
    relay = start_relay(backend, log_dir, WIREFEED_RELAY_QUEUED_AFTER="8")
    workers = [start_worker(backend, log_dir, concurrency=2, **env)]
    poster = threading.Thread(
        target=ingest.post_many,
        args=([article(i, tag="kill") for i in range(posted)],),
        kwargs={"threads": 2, "between": lambda _: time.sleep(0.01)},
    )
    poster.start()
    try:
        for _ in range(kills):
            current = workers[-1]
            _wait_started(current, more_than=current.log().count(STARTED) + 5)
            current.kill_group(signal.SIGKILL)
            current.process.wait(10)
            workers.append(start_worker(backend, log_dir, concurrency=2, **env))
        poster.join()
        accepted = ingest.log.accepted_ids()
        assert len(accepted) == posted, ingest.log.statuses()
        result = settle(backend, accepted, timeout=150)
    finally:
        for proc in [*workers, relay]:
            proc.stop()
        ingest.close()
    redelivered = count_in_logs(workers, STARTED) - result.enriched
    assert result.enriched == posted and result.duplicates == 0 and result.failed == 0
    record_result(
        "1 worker SIGKILLed mid-task, restarted",
        backend=backend.name,
        posted=posted,
        faults=kills,
        result=result,
        note=f"{redelivered} deliveries repeated after the kills (relay re-sends)",
        seconds=time.monotonic() - started,
    )


def test_child_killed_mid_task_and_poison_article(pg_redis: Backend, log_dir: Path) -> None:
    """Fault 2: a pool child killed mid-task gets its task redelivered; an article that kills
    its worker every time ends failed after task_max_attempts instead of looping."""
    started = time.monotonic()
    max_attempts = 3
    ingest = Ingest(pg_redis, log_dir)
    worker = start_worker(
        pg_redis,
        log_dir,
        concurrency=1,
        WIREFEED_TESTING_TASK_DELAY="2",
        WIREFEED_TESTING_CRASH_MARKER="POISON-PILL",
        WIREFEED_TASK_MAX_ATTEMPTS=str(max_attempts),
    )
    try:
        normal = ingest.post(article(1, tag="child"))
        _wait_started(worker, more_than=0)
        [child] = worker_children(worker)
        os.kill(child, signal.SIGKILL)  # the parent stays up; only its child dies

        poison = ingest.post(article(2, tag="child", extra="POISON-PILL"))
        accepted = ingest.log.accepted_ids()
        result = settle(pg_redis, accepted, timeout=60)
        crashes = worker.log().count("test hook: killing this worker process")
    finally:
        worker.stop()
        ingest.close()
    assert worker.log().count("WorkerLostError") >= 1
    assert result.enriched == 1 and result.failed == 1 and result.duplicates == 0
    assert normal.body["id"] not in result.failed_errors
    assert f"gave up after {max_attempts} attempts" in result.failed_errors[poison.body["id"]]
    assert crashes == max_attempts
    record_result(
        "2 pool child killed; poison article",
        backend=pg_redis.name,
        posted=2,
        faults=1 + crashes,
        result=result,
        note=f"child SIGKILLed once (redelivered, enriched); poison article killed its "
        f"child {crashes}x, then failed with its error",
        seconds=time.monotonic() - started,
    )


def test_redelivery_while_first_delivery_runs(pg_redis: Backend, log_dir: Path) -> None:
    """Fault 5: a visibility timeout shorter than the task: a second worker takes the same
    message while the first still works on it. One result; the duplicate is in the logs."""
    started = time.monotonic()
    # The first delivery must still be running when the second worker has started (loaded the
    # model and restored the message: kombu restores unacknowledged messages as a consumer
    # starts): both deliveries are held (up to 120 s, for a busy machine) until the second one
    # has started, then released together.
    release = log_dir / "release-fault-5"
    env = {
        "WIREFEED_VISIBILITY_TIMEOUT": "1",
        "WIREFEED_TESTING_TASK_DELAY": "120",
        "WIREFEED_TESTING_RELEASE_FILE": str(release),
    }
    ingest = Ingest(pg_redis, log_dir)
    first = start_worker(pg_redis, log_dir, concurrency=1, **env)
    second: Proc | None = None
    try:
        posted = ingest.post(article(1, tag="vis"))
        _wait_started(first, more_than=0)
        time.sleep(1.5)  # past the visibility timeout: a starting worker restores the message
        second = start_worker(pg_redis, log_dir, concurrency=1, **env)
        _wait_started(second, more_than=0, timeout=60)
        release.touch()
        engine = store_engine(pg_redis)
        accepted = ingest.log.accepted_ids()
        wait_all_final(engine, accepted, timeout=60)
        wait_until(
            lambda: count_in_logs([first, second], "duplicate delivery") >= 1,
            60,
            "the second delivery to be logged as a duplicate",
        )
        result = audit(engine, accepted)
        engine.dispose()
    finally:
        first.stop()
        if second is not None:
            second.stop()
        ingest.close()
    logs = [first, second]
    assert count_in_logs(logs, STARTED) == 2
    assert count_in_logs(logs, '"article enriched"') == 1
    assert result.enriched == 1 and result.duplicates == 0
    assert posted.body["id"] in ingest.log.accepted_ids()
    record_result(
        "5 redelivered while first delivery runs",
        backend=pg_redis.name,
        posted=1,
        faults=1,
        result=result,
        note="2 deliveries ran concurrently; 1 result; 'duplicate delivery' logged",
        seconds=time.monotonic() - started,
    )


def test_sigterm_mid_task_finishes_or_requeues(pg_redis: Backend, log_dir: Path) -> None:
    """Fault 8: SIGTERM (a deploy) while a task runs: the worker finishes it, hands back what it
    had prefetched, and exits; a new worker does the rest."""
    started = time.monotonic()
    posted = 6
    env = {"WIREFEED_TESTING_TASK_DELAY": "2"}
    ingest = Ingest(pg_redis, log_dir)
    old = start_worker(pg_redis, log_dir, concurrency=1, **env)
    new: Proc | None = None
    try:
        ingest.post_many([article(i, tag="term") for i in range(posted)])
        _wait_started(old, more_than=0)
        old.send_signal(signal.SIGTERM)
        assert old.process.wait(30) == 0, old.log()[-2000:]
        finished_by_old = old.log().count('"article enriched"')
        new = start_worker(pg_redis, log_dir, concurrency=2, WIREFEED_TESTING_TASK_DELAY="0")
        accepted = ingest.log.accepted_ids()
        result = settle(pg_redis, accepted, timeout=60)
    finally:
        old.stop()
        if new is not None:
            new.stop()
        ingest.close()
    assert finished_by_old >= 1, "the task running at SIGTERM was not finished"
    assert result.enriched == posted and result.duplicates == 0
    record_result(
        "8 SIGTERM to worker mid-task",
        backend=pg_redis.name,
        posted=posted,
        faults=1,
        result=result,
        note=f"old worker finished {finished_by_old} in-flight task(s), exited 0; "
        "the rest were requeued and done by the new worker",
        seconds=time.monotonic() - started,
    )
