"""Store accepted articles: one row each, de-duplicated by a single unique key.

The key is (source, external_id) when the producer gives an id, else a hash of the content, so
concurrent posts of the same article race on one unique index and exactly one row wins.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from shared.models import Article, ArticleStatus, utcnow
from shared.schemas import ArticleIn


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    status: ArticleStatus
    duplicate: bool


def dedupe_key(item: ArticleIn) -> str:
    if item.external_id is not None:
        return f"ext:{item.source or ''}\x1f{item.external_id}"
    normalised = " ".join(item.body.split())
    kind = "text" if item.text is not None else "html"
    return f"sha:{kind}:{hashlib.sha256(normalised.encode()).hexdigest()}"


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
    """Insert what is new, find what is not; one result per item, in order. Commits."""
    keys = [dedupe_key(item) for item in items]
    rows: dict[str, dict[str, object]] = {}
    for item, key in zip(items, keys, strict=True):
        rows.setdefault(key, _row(item, key))  # the same key twice in one batch: one row

    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(Article)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(col(Article.id), col(Article.dedupe_key))
    )
    # Core executemany: compiled once and cached, sent as multi-row INSERTs by SQLAlchemy's
    # "insertmanyvalues". A `.values([...])` statement is compiled anew for every batch size,
    # which cost more CPU than the database's own work.
    found = session.connection().execute(statement, list(rows.values()))
    # (A primary key is never NULL; the filter tells the type checker so.)
    inserted = {key: article_id for article_id, key in found if article_id is not None}
    existing: dict[str, tuple[int, str]] = {}
    missing = [key for key in rows if key not in inserted]
    if missing:
        rows_found = session.exec(
            select(Article.dedupe_key, Article.id, Article.status).where(
                col(Article.dedupe_key).in_(missing)
            )
        )
        existing = {
            key: (article_id, status)
            for key, article_id, status in rows_found
            if article_id is not None
        }
    session.commit()

    results: list[Stored] = []
    first_seen: set[str] = set()
    for key in keys:
        if key in inserted and key not in first_seen:
            first_seen.add(key)
            results.append(Stored(inserted[key], ArticleStatus.pending, duplicate=False))
        elif key in inserted:
            results.append(Stored(inserted[key], ArticleStatus.pending, duplicate=True))
        else:
            article_id, status = existing[key]
            results.append(Stored(article_id, ArticleStatus(status), duplicate=True))
    return results
