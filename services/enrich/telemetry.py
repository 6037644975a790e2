"""Worker metrics for Prometheus: tasks by outcome, task duration, queue depth.

Celery's prefork pool runs tasks in child processes, so the counters use prometheus_client's
multiprocess mode: every child writes its values to files in PROMETHEUS_MULTIPROC_DIR and the
parent's HTTP endpoint merges them (`wirefeed worker --metrics-port 9100` sets the directory up).
Queue depth is read from the broker (LLEN of the task queue) at scrape time, by the parent.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import redis
from celery import signals
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.celery_app import ENRICH_TASK

log = logging.getLogger("wirefeed.worker.metrics")

TASKS = Counter(
    "wirefeed_enrich_tasks_total",
    "Enrichment tasks finished, by outcome (enriched, failed, duplicate, missing, retry, failure)",
    ["outcome"],
)
TASK_SECONDS = Histogram(
    "wirefeed_enrich_task_duration_seconds",
    "Time one enrichment task took, load to stored",
    ["outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8),
)

_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_started(task_id: str, task: Any, **_: Any) -> None:
    if task.name == ENRICH_TASK:
        _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_finished(task_id: str, task: Any, retval: Any = None, state: str = "", **_: Any) -> None:
    start = _started.pop(task_id, None)
    if task.name != ENRICH_TASK or start is None:
        return
    outcome = str(retval) if state == "SUCCESS" else state.lower() or "unknown"
    TASKS.labels(outcome).inc()
    TASK_SECONDS.labels(outcome).observe(time.perf_counter() - start)


class QueueDepthCollector(Collector):
    """`wirefeed_queue_depth`: tasks waiting in the broker; the signal to scale workers on."""

    def __init__(self, broker_url: str, queue: str) -> None:
        self._client = redis.Redis.from_url(broker_url, socket_timeout=1, socket_connect_timeout=1)
        self._queue = queue

    def collect(self) -> Any:
        gauge = GaugeMetricFamily(
            "wirefeed_queue_depth", "Tasks waiting in the broker queue", labels=["queue"]
        )
        # Broker down: no sample rather than a wrong one.
        with contextlib.suppress(redis.RedisError):
            gauge.add_metric([self._queue], float(self._client.llen(self._queue)))
        yield gauge


def serve_metrics(*, port: int, broker_url: str, queue: str) -> None:
    """Expose the merged metrics of this worker and its children on `port` (parent process)."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(QueueDepthCollector(broker_url, queue))
    start_http_server(port, registry=registry)
    log.info("worker metrics listening", extra={"port": port})
