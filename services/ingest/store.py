"""Store accepted articles: one row each, de-duplicated by a single unique key.

The key is (source, external_id) when the producer gives an id, else a hash of the content, so
concurrent posts of the same article race on one unique index and exactly one row wins. A post
whose (source, external_id) is known but whose content differs is a new revision of that
article, and `retracted: true` withdraws it (revisions.py).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from services.ingest.revisions import (
    article_fingerprint,
    item_fingerprint,
    lock_articles,
    retract,
    revise,
)
from shared.models import Article, ArticleStatus, utcnow
from shared.schemas import ArticleIn


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    status: ArticleStatus
    duplicate: bool
    revision: int = 1
    # Set when the item could not be applied (a retraction of an unknown article): id is 0.
    refused: str | None = None


def dedupe_key(item: ArticleIn) -> str:
    """(source, external_id), or the content hash within the source: the same text from two
    publishers is two articles (syndication links them, it does not merge them)."""
    if item.external_id is not None:
        return f"ext:{item.source or ''}\x1f{item.external_id}"
    normalised = " ".join(item.body.split())
    kind = "text" if item.text is not None else "html"
    key = f"sha:{kind}:{hashlib.sha256(normalised.encode()).hexdigest()}"
    # Keys of source-less articles, and of those stored before this rule, stay as they were
    # (migration 0011 appends the source to the stored ones).
    return f"{key}\x1f{item.source}" if item.source else key


def _row(item: ArticleIn, key: str) -> dict[str, object]:
    now = utcnow()
    return {
        "dedupe_key": key,
        "source": item.source,
        "external_id": item.external_id,
        "title": item.title,
        "url": str(item.url) if item.url else None,
        "language": item.language,
        "published_at": item.published_at,
        "content_type": "text" if item.text is not None else "html",
        "raw": item.body,
        "status": ArticleStatus.pending,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def store_articles(*, session: Session, items: Sequence[ArticleIn]) -> list[Stored]:
    """Insert what is new, revise or retract what is known; one result per item, in order.
    Commits."""
    keys = [dedupe_key(item) for item in items]
    rows: dict[str, dict[str, object]] = {}
    for item, key in zip(items, keys, strict=True):
        if not item.retracted:
            rows.setdefault(key, _row(item, key))  # the same key twice in one batch: one row

    inserted: dict[str, int] = {}
    if rows:
        dialect = session.get_bind().dialect.name
        dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            dialect_insert(Article)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(col(Article.id), col(Article.dedupe_key))
        )
        # Core executemany: compiled once and cached, sent as multi-row INSERTs by SQLAlchemy's
        # "insertmanyvalues". A `.values([...])` statement is compiled anew for every batch
        # size, which cost more CPU than the database's own work.
        found = session.connection().execute(statement, list(rows.values()))
        # (A primary key is never NULL; the filter tells the type checker so.)
        inserted = {key: article_id for article_id, key in found if article_id is not None}
    known = sorted(set(keys) - set(inserted))
    existing: dict[str, int] = {}
    if known:
        found_ids = session.exec(
            select(Article.dedupe_key, Article.id).where(col(Article.dedupe_key).in_(known))
        )
        existing = {key: article_id for key, article_id in found_ids if article_id is not None}
    # Rows this batch may change (revisions, retractions), locked in id order up front.
    repeated = {key for key, count in Counter(keys).items() if count > 1}
    changing = {existing[k] for k in known if k in existing and k.startswith("ext:")}
    changing |= {inserted[k] for k in repeated & set(inserted)}
    locked = lock_articles(session, sorted(changing)) if changing else {}
    first_seen: set[str] = set()
    results = [
        _apply(session, item, key, inserted, existing, locked, first_seen)
        for item, key in zip(items, keys, strict=True)
    ]
    statuses = _current_statuses(session, [r.id for r in results if r.duplicate])
    session.commit()
    return [
        Stored(r.id, statuses.get(r.id, r.status), True, r.revision) if r.duplicate else r
        for r in results
    ]


def _apply(
    session: Session,
    item: ArticleIn,
    key: str,
    inserted: dict[str, int],
    existing: dict[str, int],
    locked: dict[int, Article],
    first_seen: set[str],
) -> Stored:
    """What one item does: a new row, a duplicate, a new revision or a retraction."""
    article_id = inserted.get(key) or existing.get(key)
    fresh = key in inserted and key not in first_seen
    first_seen.add(key)
    if article_id is None:  # only a retraction of an article never stored gets here
        return Stored(0, ArticleStatus.pending, False, refused=_unknown(item))
    article = locked.get(article_id)
    if item.retracted:
        if article is None:
            return Stored(article_id, ArticleStatus.pending, True)
        changed = retract(session, article, item.retraction_reason)
        return Stored(article_id, ArticleStatus.retracted, not changed, article.revision)
    if fresh:
        return Stored(article_id, ArticleStatus.pending, False)
    if article is not None and article_fingerprint(article) != item_fingerprint(item):
        revision = revise(session, article, item)
        return Stored(article_id, ArticleStatus.pending, False, revision)
    revision = article.revision if article is not None else 1
    return Stored(article_id, ArticleStatus.pending, True, revision)


def _unknown(item: ArticleIn) -> str:
    return f"no article with source {item.source!r} and external_id {item.external_id!r} to retract"


def _current_statuses(session: Session, ids: list[int]) -> dict[int, ArticleStatus]:
    if not ids:
        return {}
    found = session.exec(select(Article.id, Article.status).where(col(Article.id).in_(ids)))
    return {i: ArticleStatus(s) for i, s in found if i is not None}
