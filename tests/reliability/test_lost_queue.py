"""Fault 9: the broker restarts empty while articles wait in its queue, after two worker kills
left tasks unacked in it. The relay, with its default settings (15-minute queued timer), must
notice the loss by its marker key and the server's run id and re-send at once. Both pairs."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.reliability.conftest import Broker
from tests.reliability.harness import Ingest, article, record_result, settle, store_engine
from tests.support.processes import Proc, backend_env, wait_until
from tests.support.services import Backend

pytestmark = pytest.mark.integration
STARTED = '"enrich attempt started"'
DETECTED = "broker lost its queue"


_WORKER_ARGV = ["worker", "--concurrency", "1"]


def _worker(backend: Backend, log_dir: Path, env: dict[str, str]) -> Proc:
    return Proc("worker", _WORKER_ARGV, backend_env(backend, **env), log_dir)


def _not_final(backend: Backend) -> int:
    engine = store_engine(backend)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT COUNT(*) FROM article WHERE status NOT IN ('enriched', 'failed')")
                ).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("pair", ["sqlite_own_valkey", "pg_own_redis"])
def test_broker_restarted_empty_recovers_at_once(
    pair: str, request: pytest.FixtureRequest, log_dir: Path
) -> None:
    backend, broker = request.getfixturevalue(pair)
    assert isinstance(backend, Backend) and isinstance(broker, Broker)
    started = time.monotonic()
    posted = 90
    # The task delay (a test hook) keeps the queue full long enough for the faults to land.
    env = {"WIREFEED_TESTING_TASK_DELAY": "0.2"}
    ingest = Ingest(backend, log_dir)
    relay = Proc("relay", ["relay"], backend_env(backend), log_dir)  # default settings
    relay.wait_for_log("relay started", timeout=30)
    # Two workers started side by side (one model load's wall time), each SIGKILLed mid-task.
    doomed = [_worker(backend, log_dir, env) for _ in range(2)]
    for proc in doomed:
        proc.wait_for_log(" ready.", timeout=120)
    workers = list(doomed)
    try:
        ingest.post_many([article(i, tag="lostq") for i in range(posted)], threads=4)
        accepted = ingest.log.accepted_ids()
        assert len(accepted) == posted, ingest.log.statuses()
        for proc in doomed:
            wait_until(lambda w=proc: w.log().count(STARTED) >= 2, 60, "tasks to start")
            proc.kill_group(signal.SIGKILL)  # its in-flight task stays unacked in the broker
            proc.process.wait(10)

        waiting = _not_final(backend)
        noticed_before = relay.log().count(DETECTED)  # once at start: a fresh broker has no marker
        broker.restart_empty()
        wiped = time.monotonic()
        workers.append(
            Proc("worker", _WORKER_ARGV[:2] + ["2"], backend_env(backend, **env), log_dir)
        )
        wait_until(
            lambda: relay.log().count(DETECTED) > noticed_before,
            30,
            "the relay to notice the lost queue",
        )
        detected_after = time.monotonic() - wiped
        workers[-1].wait_for_log(" ready.", timeout=120)
        result = settle(backend, accepted, timeout=120)
        recovered_after = time.monotonic() - wiped
    finally:
        for proc in (*workers, relay):
            proc.stop()
        ingest.close()
    assert waiting >= 60, f"only {waiting} articles were still waiting when the broker was wiped"
    assert "re-sent stale articles" in relay.log()
    assert result.enriched == posted and result.failed == 0 and result.duplicates == 0
    record_result(
        "9 broker restarted empty after 2 worker kills, default relay settings",
        backend=backend.name,
        posted=posted,
        faults=3,
        result=result,
        note=f"2 workers SIGKILLed mid-task, then the broker wiped with {waiting} articles "
        f"waiting; relay noticed the loss {detected_after:.1f}s after the wipe; all enriched "
        f"{recovered_after:.1f}s after the wipe (incl. a fresh worker's start)",
        seconds=time.monotonic() - started,
    )
