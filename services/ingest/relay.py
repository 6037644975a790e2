"""The relay: re-sends articles whose task never reached a worker, or was lost with the broker.

An article stays `pending` when the broker was down at ingest time (or the ingest process died
between commit and send), and stays `queued` forever if the broker lost its queue. The relay
sends both again: at once when it sees that the broker lost its data (services/ingest/
broker_watch.py), and otherwise by age, the queued timer being the last resort. Workers are
idempotent, so a spare delivery costs nothing but a log line.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import redis
from celery import Celery
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, or_, select

from services.ingest.broker_watch import BrokerWatch
from services.ingest.queue import enqueue_articles
from shared.models import Article, ArticleStatus, utcnow
from shared.settings import Settings

log = logging.getLogger("wirefeed.relay")
RELAY_BATCH = 500


def stale_article_ids(
    *, session: Session, pending_after: float, queued_after: float, limit: int = RELAY_BATCH
) -> list[int]:
    now = utcnow()
    return _waiting_ids(
        session,
        now - timedelta(seconds=pending_after),
        now - timedelta(seconds=queued_after),
        limit,
    )


def _waiting_ids(
    session: Session, pending_before: datetime, queued_before: datetime, limit: int
) -> list[int]:
    stale_pending: ColumnElement[bool] = (col(Article.status) == ArticleStatus.pending) & (
        col(Article.updated_at) < pending_before
    )
    stale_queued: ColumnElement[bool] = (col(Article.status) == ArticleStatus.queued) & (
        col(Article.queued_at) < queued_before
    )
    query = (
        select(Article.id)
        .where(or_(stale_pending, stale_queued))
        .order_by(col(Article.id))
        .limit(limit)
    )
    return [i for i in session.exec(query) if i is not None]


def _resend(
    *, engine: Engine, celery: Celery, pending_before: datetime, queued_before: datetime
) -> tuple[int, bool]:
    """Send every article waiting since before the given times, in batches. Sending marks an
    article queued now, so each batch moves past the cut-off and the loop ends. Returns how many
    were sent and whether all were (False: the broker refused a batch)."""
    resent = 0
    while True:
        with Session(engine) as session:
            ids = _waiting_ids(session, pending_before, queued_before, RELAY_BATCH)
        if not ids:
            return resent, True
        sent = enqueue_articles(engine=engine, celery=celery, article_ids=ids)
        resent += len(sent)
        if sent:
            log.info("re-sent stale articles", extra={"count": len(sent), "first_id": sent[0]})
        if len(sent) < len(ids):
            return resent, False  # broker still down: try again next pass
        if len(ids) < RELAY_BATCH:
            return resent, True


class LostQueueRecovery:
    """Re-send everything queued before the broker was seen to lose its data, until done."""

    def __init__(self, watch: BrokerWatch) -> None:
        self.watch = watch
        self.lost_before: datetime | None = None  # set while a re-send is owed

    def run(self, *, engine: Engine, celery: Celery) -> int:
        try:
            loss = self.watch.check()
        except redis.RedisError as exc:  # cannot ask the broker now; the send path will say more
            log.debug("broker watch: broker unreachable", extra={"error": type(exc).__name__})
            loss = None
        if loss is not None:
            self.lost_before = utcnow()
            log.warning(
                "broker lost its queue: re-sending every queued article",
                extra={"reason": loss.reason, "run_id": loss.run_id},
            )
        if self.lost_before is None:
            return 0
        resent, complete = _resend(
            engine=engine,
            celery=celery,
            pending_before=self.lost_before,
            queued_before=self.lost_before,
        )
        if complete:
            log.info("lost queue recovered", extra={"count": resent})
            self.lost_before = None
        return resent


def relay_once(
    *,
    engine: Engine,
    celery: Celery,
    settings: Settings,
    recovery: LostQueueRecovery | None = None,
) -> int:
    """One pass; returns how many articles were re-sent."""
    resent = recovery.run(engine=engine, celery=celery) if recovery is not None else 0
    now = utcnow()
    by_age, _ = _resend(
        engine=engine,
        celery=celery,
        pending_before=now - timedelta(seconds=settings.relay_pending_after),
        queued_before=now - timedelta(seconds=settings.relay_queued_after),
    )
    return resent + by_age


def run_relay(
    *, engine: Engine, celery: Celery, settings: Settings, stop: threading.Event | None = None
) -> None:
    stop = stop or threading.Event()
    recovery = LostQueueRecovery(
        BrokerWatch(
            broker_url=settings.broker_url,
            task_queue=settings.task_queue,
            timeout=settings.publish_timeout,
        )
    )
    log.info("relay started", extra={"interval": settings.relay_interval})
    try:
        while not stop.is_set():
            try:
                relay_once(engine=engine, celery=celery, settings=settings, recovery=recovery)
            except Exception:  # a database hiccup: log it and try again next round
                log.exception("relay pass failed")
            stop.wait(settings.relay_interval)
    finally:
        recovery.watch.close()
