"""Notice that the broker lost its data, so the relay can re-send at once.

A Redis broker that restarts without persistence, fails over, or is flushed cannot say so: its
queues are simply empty. The relay leaves a marker key whose value is the server's run id. Each
pass it reads both back: a marker that vanished (flush, empty restart) or a run id that changed
(any restart, even one that kept its data) means whatever was queued may be gone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

log = logging.getLogger("wirefeed.relay")


def marker_key(task_queue: str) -> str:
    """One marker per task queue, so deployments (and test runs) sharing a Redis stay apart."""
    return f"wirefeed:broker-marker:{task_queue}"


@dataclass(frozen=True, slots=True)
class BrokerLoss:
    reason: str  # "marker missing" | "run id changed"
    run_id: str


class BrokerWatch:
    def __init__(self, *, broker_url: str, task_queue: str, timeout: float = 2.0) -> None:
        self._client = redis.Redis.from_url(
            broker_url, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        self._key = marker_key(task_queue)
        self._run_id: str | None = None  # the server's run id when this watch last looked

    def check(self) -> BrokerLoss | None:
        """A loss seen since the last check (the first check counts a missing marker too:
        a broker that lost its data while no relay ran). Leaves a fresh marker behind.
        Raises redis.RedisError when the broker cannot be asked."""
        run_id = str(self._client.info("server").get("run_id", ""))
        marker = self._client.get(self._key)
        loss: BrokerLoss | None = None
        if marker is None:
            loss = BrokerLoss("marker missing", run_id)
        elif _text(marker) != run_id or (self._run_id is not None and self._run_id != run_id):
            loss = BrokerLoss("run id changed", run_id)
        if loss is not None:
            self._client.set(self._key, run_id)
        self._run_id = run_id
        return loss

    def close(self) -> None:
        self._client.close()


def _text(value: bytes | str) -> str:
    """A Redis reply as text (bytes unless the client decodes responses)."""
    return value.decode() if isinstance(value, bytes) else value
