"""The relay: re-sends articles whose task never reached a worker.

An article stays `pending` when the broker was down at ingest time (or the ingest process died
between commit and send), and stays `queued` forever if the broker lost its queue. The relay scans
for both, by age, and sends them again; workers are idempotent, so a spare delivery costs nothing
but a log line.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from celery import Celery
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from services.ingest.queue import enqueue_articles
from shared.models import Article, ArticleStatus, utcnow
from shared.settings import Settings

log = logging.getLogger("wirefeed.relay")
RELAY_BATCH = 500


def stale_article_ids(
    *, session: Session, pending_after: float, queued_after: float, limit: int = RELAY_BATCH
) -> list[int]:
    now = utcnow()
    stale_pending = (Article.status == ArticleStatus.pending) & (
        col(Article.updated_at) < now - timedelta(seconds=pending_after)
    )
    stale_queued = (Article.status == ArticleStatus.queued) & (
        col(Article.queued_at) < now - timedelta(seconds=queued_after)
    )
    query = (
        select(Article.id)
        .where(or_(stale_pending, stale_queued))
        .order_by(col(Article.id))
        .limit(limit)
    )
    return [i for i in session.exec(query) if i is not None]


def relay_once(*, engine: Engine, celery: Celery, settings: Settings) -> int:
    """One pass; returns how many articles were re-sent."""
    resent = 0
    while True:
        with Session(engine) as session:
            ids = stale_article_ids(
                session=session,
                pending_after=settings.relay_pending_after,
                queued_after=settings.relay_queued_after,
            )
        if not ids:
            return resent
        sent = enqueue_articles(engine=engine, celery=celery, article_ids=ids)
        resent += len(sent)
        if sent:
            log.info("re-sent stale articles", extra={"count": len(sent), "first_id": sent[0]})
        if len(sent) < len(ids) or len(ids) < RELAY_BATCH:
            return resent  # broker still down, or nothing more to do


def run_relay(
    *, engine: Engine, celery: Celery, settings: Settings, stop: threading.Event | None = None
) -> None:
    stop = stop or threading.Event()
    log.info("relay started", extra={"interval": settings.relay_interval})
    while not stop.is_set():
        try:
            relay_once(engine=engine, celery=celery, settings=settings)
        except Exception:  # a database hiccup: log it and try again next round
            log.exception("relay pass failed")
        stop.wait(settings.relay_interval)
