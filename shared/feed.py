"""Feed positions: one per event, from a single counter row.

The counter is bumped inside the transaction that writes the event, as its last statement: on
PostgreSQL the row stays locked until commit, so positions become visible in the order they
were handed out; on SQLite the whole write transaction holds the database lock. Every writer of
feed events (the worker's results, the ingest service's retractions) goes through here.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from shared.models import FeedCause, FeedCounter, FeedEvent, FeedEventKind


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
