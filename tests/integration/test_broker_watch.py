"""The relay's broker watch against a real Redis: a marker that vanishes (a flush) or a server
run id that changes (a restart) is a loss; nothing changed is not."""

from __future__ import annotations

import uuid

import redis

from services.ingest.broker_watch import BrokerWatch, marker_key
from tests.support.services import REDIS_URL, unavailable


def test_marker_and_run_id() -> None:
    queue = f"watch-test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    watch = BrokerWatch(broker_url=REDIS_URL, task_queue=queue)
    try:
        first = watch.check()  # no marker yet: could have been lost while no relay ran
        assert first is not None and first.reason == "marker missing"
        assert watch.check() is None  # marker left behind, same server
        assert watch.check() is None

        client.delete(marker_key(queue))  # what FLUSHDB or an empty restart does to it
        lost = watch.check()
        assert lost is not None and lost.reason == "marker missing"
        assert watch.check() is None

        client.set(marker_key(queue), "another-server-run")  # restarted with its data kept
        changed = watch.check()
        assert changed is not None and changed.reason == "run id changed"
        assert watch.check() is None
    finally:
        client.delete(marker_key(queue))
        client.close()
        watch.close()
