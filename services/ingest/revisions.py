"""Revisions and retractions of stored articles (issue 10, item 1).

Posting the same (source, external_id) with different content (text or HTML, title, published
date) makes a new revision: the article row takes the new content as revision N+1 (pending,
queued like a new article) and the previous revision is archived in `article_revision` with
whatever enrichment it had. A retraction does the same with a tombstone and writes its
`retracted` feed event at once. Every change locks the article row first, so concurrent
revisions of one article serialise and each gets its own number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from shared.entity_links import unlink_article_entities
from shared.feed import append_feed_event
from shared.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    FeedCause,
    FeedEventKind,
    RevisionStatus,
    utcnow,
)
from shared.schemas import ArticleIn


def fingerprint(
    content_type: str, body: str, title: str | None, published_at: datetime | None
) -> str:
    """What makes two posts the same revision; whitespace runs do not count."""
    when = ""
    if published_at is not None:
        aware = published_at if published_at.tzinfo else published_at.replace(tzinfo=UTC)
        when = aware.astimezone(UTC).isoformat()
    parts = (content_type, " ".join(body.split()), " ".join((title or "").split()), when)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def item_fingerprint(item: ArticleIn) -> str:
    kind = "text" if item.text is not None else "html"
    return fingerprint(kind, item.body, item.title, item.published_at)


def article_fingerprint(article: Article) -> str:
    return fingerprint(article.content_type, article.raw, article.title, article.published_at)


def lock_articles(session: Session, ids: Sequence[int]) -> dict[int, Article]:
    """Lock the rows in id order (concurrent batches never wait on each other in a cycle)."""
    rows = session.exec(
        select(Article)
        .where(col(Article.id).in_(sorted(set(ids))))
        .order_by(col(Article.id))
        .with_for_update()
    ).all()
    return {a.id: a for a in rows if a.id is not None}


_ARCHIVED_STATUS = {
    ArticleStatus.enriched: RevisionStatus.enriched,
    ArticleStatus.failed: RevisionStatus.failed,
    ArticleStatus.retracted: RevisionStatus.retracted,
}


def _archive(session: Session, article: Article, *, status: RevisionStatus | None = None) -> None:
    assert article.id is not None
    session.add(
        ArticleRevision(
            article_id=article.id,
            revision=article.revision,
            status=status
            or _ARCHIVED_STATUS.get(ArticleStatus(article.status), RevisionStatus.pending),
            content_type=article.content_type,
            raw=article.raw,
            title=article.title,
            url=article.url,
            language=article.language,
            published_at=article.published_at,
            received_at=article.revised_at or article.created_at,
            clean_text=article.clean_text if article.status == ArticleStatus.enriched else None,
            detected_language=article.detected_language,
            enrichment=article.enrichment if article.status == ArticleStatus.enriched else None,
            enriched_at=article.enriched_at if article.status == ArticleStatus.enriched else None,
            error=article.error if article.status == ArticleStatus.failed else None,
        )
    )


def revise(session: Session, article: Article, item: ArticleIn) -> int:
    """Make `item` the article's next revision (pending); returns its number. The caller holds
    the row lock and commits."""
    _archive(session, article)
    now = utcnow()
    article.revision += 1
    article.revised_at = now
    article.content_type = "text" if item.text is not None else "html"
    article.raw = item.body
    article.title = item.title
    article.url = str(item.url) if item.url else article.url
    article.language = item.language
    article.published_at = item.published_at
    article.status = ArticleStatus.pending
    article.attempts = 0
    article.error = None
    article.queued_at = None
    article.updated_at = now
    article.retracted_at = None  # a revision after a retraction reinstates the article
    article.retraction_reason = None
    session.add(article)
    return article.revision


def retract(session: Session, article: Article, reason: str | None) -> bool:
    """Leave a tombstone as the next revision and write the `retracted` feed event (last, so
    the feed position is taken right before the caller commits). False if already retracted."""
    assert article.id is not None
    if article.status == ArticleStatus.retracted:
        return False
    # Revisions never enriched never will be: their events would follow the retraction.
    session.exec(
        update(ArticleRevision)
        .where(col(ArticleRevision.article_id) == article.id)
        .where(col(ArticleRevision.status) == RevisionStatus.pending)
        .values(status=RevisionStatus.superseded)
    )
    pending = article.status not in (ArticleStatus.enriched, ArticleStatus.failed)
    _archive(session, article, status=RevisionStatus.superseded if pending else None)
    unlink_article_entities(session, article.id)  # kept as former mentions for the feed
    now = utcnow()
    article.revision += 1
    article.revised_at = now
    article.status = ArticleStatus.retracted
    article.retracted_at = now
    article.retraction_reason = reason
    article.clean_text = None
    article.enrichment = None
    article.updated_at = now
    article.feed_seq = append_feed_event(
        session,
        article_id=article.id,
        revision=article.revision,
        kind=FeedEventKind.retracted,
        cause=FeedCause.retraction,
    )
    session.add(article)
    return True
