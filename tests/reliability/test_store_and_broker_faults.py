"""Faults 3, 4 and 6: the broker stopped while producers post, the broker restarted empty, the
database unreachable while workers enrich. Real processes; the store is audited after."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.reliability.conftest import Broker
from tests.reliability.harness import (
    Ingest,
    article,
    count_in_logs,
    log_tails,
    record_result,
    settle,
    start_relay,
)
from tests.reliability.tcp_proxy import TcpProxy
from tests.support.processes import Proc, start_worker, wait_until
from tests.support.services import Backend

pytestmark = pytest.mark.integration


def _enriched_so_far(workers: list[Proc]) -> int:
    return count_in_logs(workers, '"article enriched"')


@pytest.mark.slow
def test_broker_down_while_posting(pg_valkey: Backend, broker: Broker, log_dir: Path) -> None:
    """Fault 3: the broker stops mid-run. Every answer is 202 (or a clean 503, never a 500);
    once it is back, the relay sends what was left pending and all are enriched."""
    started = time.monotonic()
    posted = 90
    ingest = Ingest(pg_valkey, log_dir)
    relay = start_relay(pg_valkey, log_dir)
    worker = start_worker(pg_valkey, log_dir, concurrency=2)
    try:
        bodies = [article(i, tag="brokerdown") for i in range(posted)]
        ingest.post_many(bodies[:20], threads=2)
        broker.stop()  # stopped: connections refused
        down_started = time.monotonic()
        ingest.post_many(bodies[20:40], threads=2, between=lambda _: time.sleep(0.1))
        down_for = time.monotonic() - down_started
        broker.start()
        ingest.post_many(bodies[40:60], threads=2)
        broker.freeze()  # hung, not refusing: sends must time out, not hang the producer
        frozen_started = time.monotonic()
        frozen = ingest.post_many(bodies[60:70], threads=2)
        frozen_for = time.monotonic() - frozen_started
        broker.thaw()
        ingest.post_many(bodies[70:], threads=2)
        slowest = max(e.seconds for e in frozen)
        left_pending = sum(
            1 for e in ingest.log.exchanges if e.status == 202 and e.body["status"] == "pending"
        )

        statuses = ingest.log.statuses()
        assert set(statuses) <= {202, 503}, statuses
        accepted = ingest.log.accepted_ids()
        try:
            result = settle(pg_valkey, accepted, timeout=90)
        except AssertionError as unsettled:
            raise AssertionError(f"{unsettled}\n{log_tails([worker, relay])}") from None
    finally:
        for proc in (worker, relay):
            proc.stop()
        ingest.close()
    assert left_pending >= 20, "the outage did not leave articles for the relay"
    assert result.enriched == len(accepted) and result.duplicates == 0
    record_result(
        "3 broker stopped, then frozen, while posting",
        backend=pg_valkey.name,
        posted=posted,
        faults=2,
        result=result,
        note=f"answers {statuses}; {left_pending} answered 'pending' (relay sent them); "
        f"stopped {down_for:.1f}s during 20 posts, frozen {frozen_for:.1f}s during 10 "
        f"posts (slowest answer {slowest:.1f}s)",
        seconds=time.monotonic() - started,
    )


@pytest.mark.slow
def test_broker_restarted_empty(pg_valkey: Backend, broker: Broker, log_dir: Path) -> None:
    """Fault 4: the broker loses every queued task (restarted without persistence). The rows
    are still `queued`; the relay re-sends them once they are overdue, and all are enriched."""
    started = time.monotonic()
    posted = 60
    ingest = Ingest(pg_valkey, log_dir)
    workers = [start_worker(pg_valkey, log_dir, concurrency=1, WIREFEED_TESTING_TASK_DELAY="0.1")]
    relay = start_relay(pg_valkey, log_dir, WIREFEED_RELAY_QUEUED_AFTER="5")
    try:
        ingest.post_many([article(i, tag="wipe") for i in range(posted)], threads=2)
        wait_until(lambda: _enriched_so_far(workers) >= 5, 30, "some articles enriched")
        broker.restart_empty()
        accepted = ingest.log.accepted_ids()
        assert len(accepted) == posted
        result = settle(pg_valkey, accepted, timeout=120)
        resent = relay.log().count("re-sent stale articles")
    finally:
        for proc in (*workers, relay):
            proc.stop()
        ingest.close()
    assert resent >= 1
    assert result.enriched == posted and result.duplicates == 0
    record_result(
        "4 broker restarted empty (queue wiped)",
        backend=pg_valkey.name,
        posted=posted,
        faults=1,
        result=result,
        note=f"relay re-sent in {resent} pass(es)",
        seconds=time.monotonic() - started,
    )


def _database_behind_proxy(backend: Backend) -> tuple[TcpProxy, str]:
    """A running TCP proxy in front of the backend's PostgreSQL, and the URL that goes through
    it: cutting the proxy cuts the workers' database without touching the server."""
    url = make_url(backend.database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    return proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.mark.slow
def test_database_unreachable_during_enrichment(pg_redis: Backend, log_dir: Path) -> None:
    """Fault 6: the workers' database connection is cut for a while (a TCP proxy in front of
    PostgreSQL). Tasks back off and retry a bounded number of times; all complete."""
    started = time.monotonic()
    posted, outage = 80, 6.0
    proxy, via_proxy = _database_behind_proxy(pg_redis)
    ingest = Ingest(pg_redis, log_dir)
    worker = start_worker(
        pg_redis,
        log_dir,
        concurrency=2,
        WIREFEED_DATABASE_URL=via_proxy,
        WIREFEED_TESTING_TASK_DELAY="0.05",
    )
    try:
        ingest.post_many([article(i, tag="dbdown") for i in range(posted)], threads=2)
        wait_until(lambda: _enriched_so_far([worker]) >= 10, 30, "some articles enriched")
        proxy.cut()
        time.sleep(outage)
        proxy.start()
        accepted = ingest.log.accepted_ids()
        result = settle(pg_redis, accepted, timeout=120)
        retries = [
            json.loads(line)["retry"]
            for line in worker.log().splitlines()
            if '"database error, retrying"' in line
        ]
    finally:
        worker.stop()
        ingest.close()
        proxy.stop()
    assert retries, "the outage was not noticed"
    assert max(retries) <= 5, "retries are bounded by task_max_attempts"
    assert result.enriched == posted and result.duplicates == 0
    record_result(
        "6 database unreachable during enrichment",
        backend=pg_redis.name,
        posted=posted,
        faults=1,
        result=result,
        note=f"{outage:.0f}s outage; {len(retries)} retries logged, at most {max(retries)} "
        "for one task (bound 5, backoff 1, 2, 4... s)",
        seconds=time.monotonic() - started,
    )


def test_database_flapping_after_claim_does_not_use_up_attempts(
    pg_redis: Backend, log_dir: Path
) -> None:
    """Fault 6b: the database goes away right after a delivery counted its attempt, again and
    again. Those deliveries were retried for a database error, not lost to a dying worker: the
    article must still be enriched, not end `failed` for 'too many attempts'."""
    started = time.monotonic()
    max_attempts, flaps = 2, 2  # the old accounting failed it on the third delivery
    proxy, via_proxy = _database_behind_proxy(pg_redis)
    ingest = Ingest(pg_redis, log_dir)
    worker = start_worker(
        pg_redis,
        log_dir,
        concurrency=1,
        WIREFEED_DATABASE_URL=via_proxy,
        WIREFEED_TESTING_TASK_DELAY="1",
        WIREFEED_TASK_MAX_ATTEMPTS=str(max_attempts),
    )
    try:
        posted = ingest.post(article(1, tag="flap"))
        for flap in range(flaps):
            # Cut while the delivery sleeps after its claim; restore once it has failed.
            wait_until(
                lambda f=flap: worker.log().count('"enrich attempt started"') > f,
                30,
                "a delivery to claim its attempt",
            )
            proxy.cut()
            wait_until(
                lambda f=flap: worker.log().count("database error, retrying") > f,
                30,
                "the delivery to fail on the database",
            )
            proxy.start()
        accepted = ingest.log.accepted_ids()
        result = settle(pg_redis, accepted, timeout=60)
    finally:
        worker.stop()
        ingest.close()
        proxy.stop()
    assert result.failed_errors == {}, result.failed_errors
    assert result.enriched == 1 and result.duplicates == 0
    assert result.max_attempts > max_attempts  # more deliveries than the death budget, and fine
    record_result(
        "6b database lost right after each claim",
        backend=pg_redis.name,
        posted=1,
        faults=flaps,
        result=result,
        note=f"{flaps} deliveries failed on the database after counting an attempt "
        f"(budget {max_attempts} for worker deaths); still enriched",
        seconds=time.monotonic() - started,
    )
    assert posted.status == 202
