"""Feed positions: one per event, from a single counter row.

The counter is bumped inside the transaction that writes the event, as its last statement: on
PostgreSQL the row stays locked until commit, so positions become visible in the order they
were handed out; on SQLite the whole write transaction holds the database lock. Every writer of
feed events (the worker's results, the ingest service's retractions) goes through here.
"""

from __future__ import annotations

from sqlalchemy import insert, text, update
from sqlmodel import Session, col

from shared.models import Article, FeedCause, FeedCounter, FeedEvent, FeedEventKind, utcnow


def append_feed_event(
    session: Session, *, article_id: int, revision: int, kind: FeedEventKind, cause: FeedCause
) -> int:
    """Take the next position and write the event; call last before commit."""
    position: int = session.exec(
        update(FeedCounter)
        .where(col(FeedCounter.id) == 1)
        .values(value=col(FeedCounter.value) + 1)
        .returning(col(FeedCounter.value))
    ).scalar_one()
    session.add(
        FeedEvent(
            position=position, article_id=article_id, revision=revision, kind=kind, cause=cause
        )
    )
    return position


# The counter, the event and the article's position in one statement (one round trip, no ORM
# flush): the counter row is still the last thing the transaction locks.
_PG_ARTICLE_EVENT = text(
    "WITH position AS (UPDATE feed_counter SET value = value + 1 WHERE id = 1 RETURNING value),"
    " event AS (INSERT INTO feed_event (position, article_id, revision, kind, cause, created_at)"
    " SELECT value, :article_id, :revision, :kind, :cause, :created_at FROM position)"
    " UPDATE article SET feed_seq = position.value FROM position WHERE article.id = :article_id"
    " RETURNING position.value"
)


def append_article_event(
    session: Session, *, article_id: int, revision: int, kind: FeedEventKind, cause: FeedCause
) -> int:
    """`append_feed_event`, with the article's `feed_seq` set to the position, in Core
    statements (the article row must exist and be locked by this transaction). Call last
    before commit."""
    values = {
        "article_id": article_id,
        "revision": revision,
        "kind": kind.value,
        "cause": cause.value,
        "created_at": utcnow(),
    }
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(_PG_ARTICLE_EVENT, values).scalar_one())
    position: int = session.execute(
        update(FeedCounter)
        .where(col(FeedCounter.id) == 1)
        .values(value=col(FeedCounter.value) + 1)
        .returning(col(FeedCounter.value))
    ).scalar_one()
    session.execute(insert(FeedEvent).values(position=position, **values))
    session.execute(update(Article).where(col(Article.id) == article_id).values(feed_seq=position))
    return position
