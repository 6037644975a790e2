"""Hand stored articles to the broker, by task name, after their rows are committed.

If the broker is unreachable the rows stay `pending` and the relay sends them later: producers
still get their 202, and nothing is lost.
"""

from __future__ import annotations

import base64
import logging
import os
import uuid
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import redis
from celery import Celery
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from shared.celery_app import ARTICLE_CHARS_HEADER, ENRICH_TASK
from shared.db import relaxed_commit
from shared.models import Article, ArticleStatus, utcnow

log = logging.getLogger("wirefeed.queue")


def enqueue_articles(
    *,
    engine: Engine,
    celery: Celery,
    article_ids: Sequence[int],
    session: Session | None = None,
    sizes: Mapping[int, int] | None = None,
) -> list[int]:
    """Send one task per id; mark the sent ones queued. Returns the ids that were sent.
    `session`: mark them on this session (its rows committed), not on a new one. `sizes`: each
    article's length in characters, where the caller knows it (see send_tasks)."""
    if not article_ids or not send_or_leave(celery, article_ids, sizes):
        return []
    mark_queued(engine=engine, article_ids=article_ids, session=session)
    return list(article_ids)


def send_or_leave(
    celery: Celery, article_ids: Sequence[int], sizes: Mapping[int, int] | None = None
) -> bool:
    """Send the tasks; False when the broker refused them (they stay pending for the relay)."""
    try:
        send_tasks(celery, article_ids, sizes)
    except Exception as exc:  # broker down: leave them pending for the relay
        log.warning(
            "broker unreachable; left for the relay",
            extra={
                "article_id": article_ids[0],
                "pending": len(article_ids),
                "error": f"{type(exc).__name__}: {exc}",
            },
        )
        return False
    return True


def send_tasks(
    celery: Celery, article_ids: Sequence[int], sizes: Mapping[int, int] | None = None
) -> None:
    """One task per id, all in one broker round trip (one Redis pipeline). If the flush fails
    part-way some tasks went out: the relay re-sends, workers are idempotent. A known size
    rides in the message header, so the worker need not read it to set time limits."""
    sizes = sizes or {}
    publisher = _publisher(celery)
    if publisher is not None:
        publisher.send(article_ids, sizes)
        return
    with celery.producer_or_acquire() as producer, producer.batch():
        for article_id in article_ids:  # routed to settings.task_queue
            chars = sizes.get(article_id)
            headers = {ARTICLE_CHARS_HEADER: chars} if chars is not None else None
            celery.send_task(ENRICH_TASK, args=[article_id], producer=producer, headers=headers)


class EnrichPublisher:
    """Enrichment tasks written straight to the broker's list: the message Celery's `send_task`
    writes (protocol 2, headers made by Celery itself once), without its ~300 us per task of
    routing, option merging, copies and reprs, which made the broker send the largest part of a
    batch's CPU. Per task only the ids and the body change. Redis brokers only."""

    # Celery's "embed" part of a protocol-2 body: no callbacks, no chain or chord.
    _EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}

    def __init__(self, celery: Celery) -> None:
        options = celery.conf.broker_transport_options or {}
        self.queue: str = celery.conf.task_routes[ENRICH_TASK]["queue"]
        # As send_task calls it: reply_to is the app's oid, ignore_result is left unset (None).
        template = celery.amqp.as_task_v2(
            str(uuid.uuid4()), ENRICH_TASK, args=(0,), kwargs={}, reply_to=celery.thread_oid
        )
        self._headers: dict[str, Any] = {**template.headers, "ignore_result": None}
        self._reply_to = template.properties.get("reply_to")
        # One attempt, bounded by the same timeouts as Celery's producer: a failed send leaves
        # the rows pending for the relay, it must not hang the request (no client retries).
        self._client = redis.Redis.from_url(
            celery.conf.broker_url,
            socket_timeout=options.get("socket_timeout"),
            socket_connect_timeout=options.get("socket_connect_timeout"),
            retry=Retry(NoBackoff(), 0),
        )
        self._pid = os.getpid()

    def message(self, article_id: int, chars: int | None = None) -> bytes:
        task_id = str(uuid.uuid4())
        body = orjson.dumps([[article_id], {}, self._EMBED])
        headers = {
            **self._headers,
            "id": task_id,
            "root_id": task_id,
            "argsrepr": f"[{article_id}]",
        }
        if chars is not None:  # as send_task(headers=...) merges it
            headers[ARTICLE_CHARS_HEADER] = chars
        return orjson.dumps(
            {
                "body": base64.b64encode(body).decode(),
                "content-encoding": "utf-8",
                "content-type": "application/json",
                "headers": headers,
                "properties": {
                    "correlation_id": task_id,
                    "reply_to": self._reply_to,
                    "delivery_mode": 2,
                    "delivery_info": {"exchange": "", "routing_key": self.queue},
                    "priority": 0,
                    "body_encoding": "base64",
                    "delivery_tag": str(uuid.uuid4()),
                },
            }
        )

    def send(self, article_ids: Sequence[int], sizes: Mapping[int, int]) -> None:
        if os.getpid() != self._pid:  # a forked child must not share the parent's sockets
            self._client.connection_pool.reset()
            self._pid = os.getpid()
        # LPUSH as kombu does (workers BRPOP): the first id in is the first taken.
        self._client.lpush(self.queue, *(self.message(i, sizes.get(i)) for i in article_ids))

    def close(self) -> None:
        self._client.close()


_PUBLISHERS: weakref.WeakKeyDictionary[Celery, EnrichPublisher | None] = weakref.WeakKeyDictionary()


def _publisher(celery: Celery) -> EnrichPublisher | None:
    """The app's direct publisher, made on first use; None when the broker is not Redis."""
    if celery not in _PUBLISHERS:
        url = str(celery.conf.broker_url or "")
        direct = url.startswith("redis://") and not celery.conf.task_always_eager
        _PUBLISHERS[celery] = EnrichPublisher(celery) if direct else None
    return _PUBLISHERS[celery]


def mark_queued(
    *, engine: Engine, article_ids: Sequence[int], session: Session | None = None
) -> None:
    if session is not None:
        _mark_queued(session, article_ids)
        return
    with Session(engine) as own:
        _mark_queued(own, article_ids)


# PostgreSQL: one statement of fixed text, its own `SET LOCAL synchronous_commit TO OFF` folded
# in (set_config(..., true) lasts until the commit, which is when the setting is read). Built by
# SQLAlchemy's ORM for every group, with a SET LOCAL round trip of its own, this hint cost ~10%
# of a single POST's CPU at 64 connections (py-spy, bench/ANALYSIS.md).
# SKIP LOCKED: a row another transaction holds (a worker claiming it, a revision) is left as it
# is rather than waited for; that waiting would sit inside the next group's durable write, and
# two writers locking in different orders could deadlock. A row left pending is re-sent by the
# relay, a duplicate task that workers ignore.
_MARK = (
    " UPDATE article SET status = :queued, queued_at = :now, updated_at = :now{relaxed}"
    " WHERE article.id IN (SELECT id FROM article WHERE id = ANY(:ids)"
    " AND status IN (:pending, :queued) ORDER BY id FOR UPDATE SKIP LOCKED)"
)
_MARK_QUEUED_PG = text(_MARK.format(relaxed=""))
_MARK_QUEUED_PG_RELAXED = text(
    "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))"
    + _MARK.format(relaxed=" FROM relaxed")
)


def _mark_queued(session: Session, article_ids: Sequence[int]) -> None:
    # If this is lost (database crash only) the relay re-sends: a harmless duplicate task.
    mark_queued_in(session, article_ids, relaxed=True)
    session.commit()


def mark_queued_in(session: Session, article_ids: Sequence[int], *, relaxed: bool) -> None:
    """The pending -> queued update in the session's transaction, not committed. `relaxed`:
    that transaction's commit does not wait for the WAL flush (it must hold nothing else)."""
    now = utcnow()
    # Only pending or queued rows: a fast worker may already have enriched the article.
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            _MARK_QUEUED_PG_RELAXED if relaxed else _MARK_QUEUED_PG,
            {
                "ids": list(article_ids),
                "now": now,
                "queued": ArticleStatus.queued.value,
                "pending": ArticleStatus.pending.value,
            },
        )
        return
    if relaxed:
        relaxed_commit(session)  # (a no-op but on PostgreSQL; kept for any other database)
    session.exec(
        update(Article)
        .where(col(Article.id).in_(article_ids))
        .where(col(Article.status).in_([ArticleStatus.pending, ArticleStatus.queued]))
        .values(status=ArticleStatus.queued, queued_at=now, updated_at=now)
        # No ORM objects to update in memory: skip looking for them.
        .execution_options(synchronize_session=False)
    )
