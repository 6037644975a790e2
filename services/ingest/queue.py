"""Hand stored articles to the broker, by task name, after their rows are committed.

If the broker is unreachable the rows stay `pending` and the relay sends them later: producers
still get their 202, and nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from celery import Celery
from sqlalchemy import update
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
    sizes: Mapping[int, int] | None = None,
) -> list[int]:
    """Send one task per id; mark the sent ones queued. Returns the ids that were sent.
    `sizes`: each article's length in characters, where the caller knows it (see send_tasks)."""
    if not article_ids:
        return []
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
        return []
    mark_queued(engine=engine, article_ids=article_ids)
    return list(article_ids)


def send_tasks(
    celery: Celery, article_ids: Sequence[int], sizes: Mapping[int, int] | None = None
) -> None:
    """One task per id, all in one broker round trip (a kombu publish batch: a Redis pipeline).
    If the flush fails part-way some tasks went out: the relay re-sends, workers are idempotent.
    A known size rides in the message, so the worker need not read it to set time limits."""
    sizes = sizes or {}
    with celery.producer_or_acquire() as producer, producer.batch():
        for article_id in article_ids:  # routed to settings.task_queue
            chars = sizes.get(article_id)
            headers = {ARTICLE_CHARS_HEADER: chars} if chars is not None else None
            celery.send_task(ENRICH_TASK, args=[article_id], producer=producer, headers=headers)


def mark_queued(*, engine: Engine, article_ids: Sequence[int]) -> None:
    now = utcnow()
    with Session(engine) as session:
        # If this is lost (database crash only) the relay re-sends: a harmless duplicate task.
        relaxed_commit(session)
        # Only pending or queued rows: a fast worker may already have enriched the article.
        session.exec(
            update(Article)
            .where(col(Article.id).in_(article_ids))
            .where(col(Article.status).in_([ArticleStatus.pending, ArticleStatus.queued]))
            .values(status=ArticleStatus.queued, queued_at=now, updated_at=now)
        )
        session.commit()
