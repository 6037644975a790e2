"""The Celery app every process shares. Tasks are called by name, never imported across services."""

from __future__ import annotations

from urllib.parse import urlsplit

from celery import Celery

from shared.broker_transport import REDIS_TRANSPORT
from shared.settings import Settings

ENRICH_TASK = "enrich.article"
# Re-enrichment runs on its own queue; a worker consuming both takes fresh articles first.
REENRICH_TASK = "enrich.reenrich"
# A message header with the article's length in characters, when the sender knows it: the
# worker's parent sets the task's time limits from it without reading the store.
ARTICLE_CHARS_HEADER = "wirefeed_article_chars"


def make_celery(settings: Settings, *, producer: bool = False) -> Celery:
    """`producer=True` for processes that only send (ingest, relay): one short, bounded publish
    attempt, because a hung broker (port open, nothing answering) must cost a producer seconds,
    not the 30 s its client waits; the row stays pending and the relay sends it later."""
    app = Celery("wirefeed", broker=settings.broker_url)
    if urlsplit(settings.broker_url).scheme == "redis":
        # A worker that loses the broker must reconnect, not exit: see shared/broker_transport.
        app.conf.broker_transport = REDIS_TRANSPORT
    socket_timeout = settings.publish_timeout if producer else 10.0
    app.conf.update(
        # At-least-once: ack after the task ran; a worker killed mid-task gets it redelivered.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.task_queue,
        task_routes={
            ENRICH_TASK: {"queue": settings.task_queue},
            REENRICH_TASK: {"queue": settings.effective_reenrich_queue},
        },
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        broker_connection_retry_on_startup=True,
        # Producers must not hang when the broker is down: the relay re-sends later.
        broker_connection_timeout=2.0,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "socket_connect_timeout": 2.0,
            "socket_timeout": socket_timeout,
            # Poll queues in the order the worker lists them (fresh articles before
            # re-enrichment), instead of kombu's default round robin.
            "queue_order_strategy": "priority",
        },
        task_publish_retry=not producer,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_pool_limit=10,
    )
    return app
