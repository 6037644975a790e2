"""The deliverer: a Celery worker on the `deliver` queue (never the enrichment queue), with one
task, `webhooks.deliver`, and a pump in the worker's main process that queues it for every
subscription with something to send. Duplicate tasks are harmless: a per-subscription lock in
the broker lets one sender at a time work, which is also what keeps deliveries in feed order."""

from __future__ import annotations

import logging
import threading
from typing import Any

import redis
from celery import Celery, signals
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.deliver.sender import Sender
from services.deliver.store import deliver_backlog, subscriptions_behind
from shared.aliases import load_aliases
from shared.celery_app import make_celery
from shared.db import make_engine
from shared.settings import Settings, get_settings

log = logging.getLogger("wirefeed.deliver")
DELIVER_TASK = "webhooks.deliver"
_LOCK = "wirefeed:webhook:lock:{}"
_QUEUED = "wirefeed:webhook:queued:{}"


class _Runtime:
    """Per process: made on first use, dropped in each forked child."""

    sender: Sender | None = None
    broker: redis.Redis | None = None
    engine: Engine | None = None

    def database(self, settings: Settings) -> Engine:
        if self.engine is None:
            self.engine = make_engine(settings.effective_database_url)
        return self.engine


runtime = _Runtime()


def _broker(settings: Settings) -> redis.Redis:
    if runtime.broker is None:
        runtime.broker = redis.Redis.from_url(settings.broker_url, socket_timeout=5)
    return runtime.broker


def create_deliver_app(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    app = make_celery(settings)
    app.conf.task_routes = {DELIVER_TASK: {"queue": settings.deliver_queue}}
    app.conf.task_default_queue = settings.deliver_queue
    aliases = load_aliases(settings.aliases_path)

    @app.task(name=DELIVER_TASK, acks_late=True, reject_on_worker_lost=True)
    def deliver(subscription_id: int) -> int:
        broker = _broker(settings)
        broker.delete(_QUEUED.format(subscription_id))
        lock = broker.lock(_LOCK.format(subscription_id), timeout=300, blocking=False)
        if not lock.acquire():
            return 0  # another sender has it; the pump queues it again if anything is left
        try:
            if runtime.sender is None:
                runtime.sender = Sender(settings)
            return deliver_backlog(
                engine=runtime.database(settings),
                subscription_id=subscription_id,
                sender=runtime.sender,
                settings=settings,
                aliases=aliases,
            )
        finally:
            lock.release()

    return app


def pump_once(app: Celery, settings: Settings) -> int:
    """Queue a delivery task for each subscription that is behind (at most one waiting each)."""
    with Session(runtime.database(settings)) as session:
        behind = subscriptions_behind(session)
    broker = _broker(settings)
    sent = 0
    for subscription_id in behind:
        if broker.set(_QUEUED.format(subscription_id), 1, nx=True, ex=60):
            app.send_task(DELIVER_TASK, [subscription_id], queue=settings.deliver_queue)
            sent += 1
    return sent


def start_pump(app: Celery, settings: Settings) -> threading.Event:
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(settings.webhook_pump_interval):
            try:
                pump_once(app, settings)
            except Exception:  # noqa: BLE001 - the database or broker is away: try next tick
                log.warning("webhook pump failed; retrying", exc_info=True)

    threading.Thread(target=loop, name="webhook-pump", daemon=True).start()
    return stop


@signals.worker_process_init.connect
def _fresh_connections_in_child(**_: Any) -> None:
    runtime.engine = None  # never share a pool across a fork
    runtime.broker = None
