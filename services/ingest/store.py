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
from datetime import datetime

from sqlalchemy import ARRAY, Integer, String, any_, bindparam
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

Row = dict[str, object]
Found = list[tuple[int | None, str]]  # (id, dedupe key) of each row inserted


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


def _row(item: ArticleIn, key: str, now: datetime) -> Row:
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
    rows: dict[str, Row] = {}
    now = utcnow()  # one time for the batch, as PostgreSQL's now() is one per transaction
    for item, key in zip(items, keys, strict=True):
        if not item.retracted:
            rows.setdefault(key, _row(item, key, now))  # the same key twice in one batch: one row

    postgres = session.get_bind().dialect.name == "postgresql"
    inserted: dict[str, int] = {}
    if rows:
        found = (_insert_pg if postgres else _insert_sqlite)(session, list(rows.values()))
        # (A primary key is never NULL; the filter tells the type checker so.)
        inserted = {key: article_id for article_id, key in found if article_id is not None}
    known = sorted(set(keys) - set(inserted))
    existing: dict[str, int] = {}
    if known:
        by_key = (
            col(Article.dedupe_key) == any_(bindparam("keys", known, type_=ARRAY(String)))
            if postgres
            else col(Article.dedupe_key).in_(known)
        )
        found_ids = session.exec(select(Article.dedupe_key, Article.id).where(by_key))
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


# The columns a new row gets from its item (`_row`); the rest are the same for every row.
_ITEM_COLUMNS = (
    ("dedupe_key", "varchar"),
    ("source", "varchar"),
    ("external_id", "varchar"),
    ("title", "text"),
    ("url", "text"),
    ("language", "varchar"),
    ("published_at", "timestamptz"),
    ("content_type", "varchar"),
    ("raw", "text"),
)
# One statement of fixed text for any number of rows: one array per column, unnested. The
# multi-row `VALUES` that SQLAlchemy's insertmanyvalues sends has 14 placeholders per row, a new
# text for every batch size, which psycopg parses again each time (its query cache skips long
# texts): that parse was most of the CPU of a 200-article batch. The arrays go in binary (`%b`):
# as text, psycopg escapes every element with a regular expression, ~6 KB per article. Defaults
# written here are the model's (Article.status/attempts/revision).
_PG_INSERT = (
    f"INSERT INTO article ({', '.join(c for c, _ in _ITEM_COLUMNS)}, status, attempts, revision,"
    " created_at, updated_at)"
    " SELECT *, %(status)s, 0, 1, %(now)s, %(now)s FROM unnest("
    + ", ".join(f"%({c})b::{kind}[]" for c, kind in _ITEM_COLUMNS)
    + ") ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key"
)


def _insert_pg(session: Session, rows: list[Row]) -> Found:
    params: dict[str, object] = {c: [row[c] for row in rows] for c, _ in _ITEM_COLUMNS}
    params |= {"status": ArticleStatus.pending.value, "now": rows[0]["created_at"]}
    # On the session's own connection and transaction, below SQLAlchemy (for `%b`).
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(_PG_INSERT, params)
        return [(article_id, key) for article_id, key in cursor.fetchall()]


def _insert_sqlite(session: Session, rows: list[Row]) -> Found:
    statement = (
        sqlite_insert(Article)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(col(Article.id), col(Article.dedupe_key))
    )
    # Core executemany: compiled once and cached (a `.values([...])` statement is compiled
    # anew for every batch size).
    return [(article_id, key) for article_id, key in session.connection().execute(statement, rows)]


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
    if article is not None and not _same_revision(article, item):
        revision = revise(session, article, item)
        return Stored(article_id, ArticleStatus.pending, False, revision)
    revision = article.revision if article is not None else 1
    return Stored(article_id, ArticleStatus.pending, True, revision)


def _same_revision(article: Article, item: ArticleIn) -> bool:
    """Whether the post repeats the stored revision. A verbatim repeat (the common re-post) is
    told by comparing the fields; only a post that differs pays for the fingerprints, which
    normalise whitespace and hash the whole text (~40 us per 6 KB article)."""
    kind = "text" if item.text is not None else "html"
    if (article.content_type, article.raw, article.title) == (kind, item.body, item.title) and (
        article.published_at == item.published_at
    ):
        return True
    return article_fingerprint(article) == item_fingerprint(item)


def _unknown(item: ArticleIn) -> str:
    return f"no article with source {item.source!r} and external_id {item.external_id!r} to retract"


def _current_statuses(session: Session, ids: list[int]) -> dict[int, ArticleStatus]:
    if not ids:
        return {}
    postgres = session.get_bind().dialect.name == "postgresql"
    by_id = (
        col(Article.id) == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
        if postgres
        else col(Article.id).in_(ids)
    )
    found = session.exec(select(Article.id, Article.status).where(by_id))
    return {i: ArticleStatus(s) for i, s in found if i is not None}
