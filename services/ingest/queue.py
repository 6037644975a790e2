"""Hand stored articles to the broker, by task name, after their rows are committed.

If the broker is unreachable the rows stay `pending` and the relay sends them later: producers
still get their 202, and nothing is lost.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
import weakref
from binascii import b2a_base64
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
    # A task's body is `[[article_id], {}, embed]`: what follows its id is the same for all.
    _BODY_TAIL = b",{}," + orjson.dumps(_EMBED) + b"]"

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
        self._template = self._build_template()

    def messages(self, article_ids: Sequence[int], sizes: Mapping[int, int]) -> list[bytes]:
        """One message per id: the template's text with each task's values put in its gaps.
        Serialising the whole message per task (orjson of nested dicts, two `uuid4()`) was
        ~20 us per task, the largest part of a batch's broker send."""
        ids = _uuid4_texts(2 * len(article_ids))
        found = []
        for n, article_id in enumerate(article_ids):
            chars = sizes.get(article_id)
            task_id = ids[2 * n]
            values = {
                _ID: task_id,
                _ARGSREPR: f"[{article_id}]",
                _BODY: b2a_base64(
                    b"[[%d]%s" % (article_id, self._BODY_TAIL), newline=False
                ).decode(),
                _TAG: ids[2 * n + 1],
                _CHARS: "" if chars is None else f',"{ARTICLE_CHARS_HEADER}":{int(chars)}',
            }
            found.append("".join(values.get(part, part) for part in self._template).encode())
        return found

    def _build_template(self) -> list[str]:
        """The message as Celery writes it, serialised once with markers where a task's own
        values go, then cut at the markers: text parts and markers, in order."""
        headers: dict[str, Any] = {
            **self._headers,
            "id": _ID,
            "root_id": _ID,
            "argsrepr": _ARGSREPR,
            _CHARS: None,
        }
        text = orjson.dumps(
            {
                "body": _BODY,
                "content-encoding": "utf-8",
                "content-type": "application/json",
                "headers": headers,
                "properties": {
                    "correlation_id": _ID,
                    "reply_to": self._reply_to,
                    "delivery_mode": 2,
                    "delivery_info": {"exchange": "", "routing_key": self.queue},
                    "priority": 0,
                    "body_encoding": "base64",
                    "delivery_tag": _TAG,
                },
            }
        ).decode()
        # The size header is last among the headers when known (as send_task(headers=...)
        # merges it), absent otherwise: its marker takes its comma and key with it.
        text = text.replace(f',"{_CHARS}":null', _CHARS)
        return [part for part in _MARKERS.split(text) if part]

    def send(self, article_ids: Sequence[int], sizes: Mapping[int, int]) -> None:
        if os.getpid() != self._pid:  # a forked child must not share the parent's sockets
            self._client.connection_pool.reset()
            self._pid = os.getpid()
        # LPUSH as kombu does (workers BRPOP): the first id in is the first taken.
        self._client.lpush(self.queue, *self.messages(article_ids, sizes))

    def close(self) -> None:
        self._client.close()


# Where a task's own values go in the message template (strings JSON leaves as they are).
_ID, _ARGSREPR, _BODY, _TAG, _CHARS = (
    f"@wirefeed-{name}@" for name in ("id", "args", "body", "tag", "chars")
)
_MARKERS = re.compile(f"({'|'.join((_ID, _ARGSREPR, _BODY, _TAG, _CHARS))})")


def _uuid4_texts(count: int) -> list[str]:
    """`count` random UUIDs (version 4) as text, from one read of the OS's random source:
    `str(uuid.uuid4())` is ~2 us each, two per task."""
    digits = os.urandom(16 * count).hex()
    found = []
    for start in range(0, 32 * count, 32):
        h = digits[start : start + 32]
        variant = "89ab"[int(h[16], 16) & 3]  # RFC 4122: the variant's two bits are 10
        found.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}")
    return found


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
