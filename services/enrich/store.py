"""Write enrichment results: idempotent, and in feed order.

`save_enriched` runs in one short transaction: it locks the article row, gives up quietly if the
article is already enriched (a redelivered task), upserts entities and aliases, and takes the
next feed position last, right before commit. On PostgreSQL the counter row stays locked until
commit, so positions become visible in order; on SQLite the whole write holds the database lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, SQLModel, col, select

from services.enrich.pipeline import EnrichedDocument
from shared.aliases import alias_key
from shared.db import relaxed_commit
from shared.models import (
    Article,
    ArticleEntity,
    ArticleStatus,
    Entity,
    EntityAlias,
    FeedCounter,
    utcnow,
)
from shared.schemas import Enrichment

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Claim:
    """What a task needs to know to run the pipeline (no ORM objects leave the session)."""

    article_id: int
    status: ArticleStatus
    attempts: int
    content_type: str
    raw: str
    title: str | None
    source: str | None
    language: str | None


def _insert(session: Session, model: type[SQLModel]) -> PgInsert | SqliteInsert:
    """An INSERT in the session's dialect (both have ON CONFLICT DO NOTHING)."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(model)
    return sqlite_insert(model)


def claim_attempt(*, session: Session, article_id: int) -> Claim | None:
    """Count one more attempt on the article and return what the pipeline needs. Commits."""
    # A lost count (database crash only) just allows one more attempt: no need to wait for disk.
    relaxed_commit(session)
    article = session.exec(
        select(Article).where(Article.id == article_id).with_for_update()
    ).one_or_none()
    if article is None:
        session.rollback()
        return None
    claim = Claim(
        article_id=article_id,
        status=ArticleStatus(article.status),
        attempts=article.attempts + (0 if article.status in _FINAL else 1),
        content_type=article.content_type,
        raw=article.raw,
        title=article.title,
        source=article.source,
        language=article.language,
    )
    if article.status not in _FINAL:
        article.attempts = claim.attempts
        article.updated_at = utcnow()
    session.commit()
    return claim


_FINAL = frozenset({ArticleStatus.enriched, ArticleStatus.failed})


def mark_failed(*, session: Session, article_id: int, error: str) -> bool:
    """Record a final failure unless the article was enriched meanwhile. Commits."""
    result = session.exec(
        update(Article)
        .where(col(Article.id) == article_id)
        .where(col(Article.status) != ArticleStatus.enriched)
        .values(status=ArticleStatus.failed, error=error[:4000], updated_at=utcnow())
    )
    session.commit()
    return bool(result.rowcount)


def save_enriched(*, session: Session, article_id: int, enriched: EnrichedDocument) -> int | None:
    """Store the result; returns the feed position, or None if it was already stored. Commits."""
    article = session.exec(
        select(Article).where(Article.id == article_id).with_for_update()
    ).one_or_none()
    if article is None or article.status == ArticleStatus.enriched:
        session.rollback()
        return None

    entity_ids = _upsert_entities(session, enriched)
    rows = [
        {
            "article_id": article_id,
            "entity_id": entity_ids[(alias_key(e.name), e.label)],
            "mention_count": e.count,
            "first_offset": e.first_offset,
            "salience": e.salience,
        }
        for e in enriched.entities
    ]
    if rows:
        _execute_many(session, _insert(session, ArticleEntity), rows)
        session.exec(
            update(Entity)
            .where(col(Entity.id).in_(sorted(entity_ids.values())))
            .values(article_count=Entity.article_count + 1)
        )

    seq = _next_feed_position(session)
    now = utcnow()
    article.status = ArticleStatus.enriched
    article.error = None
    article.clean_text = enriched.clean_text
    article.detected_language = enriched.language
    article.enrichment = _enrichment(enriched, entity_ids).model_dump(mode="json")
    article.feed_seq = seq
    article.enriched_at = now
    article.updated_at = now
    session.add(article)
    session.commit()
    return seq


def _enrichment(enriched: EnrichedDocument, entity_ids: dict[tuple[str, str], int]) -> Enrichment:
    """The stored record: everything but the clean text (a column of its own), each entity with
    its id in the entity table."""
    data = enriched.to_dict(include_source_text=enriched.source_text != "")
    data.pop("clean_text")
    for entity in data["entities"]:
        entity["id"] = entity_ids[(alias_key(entity["name"]), entity["label"])]
    return Enrichment.model_validate(data)


def _upsert_entities(session: Session, enriched: EnrichedDocument) -> dict[tuple[str, str], int]:
    """Canonical entities and their aliases; sorted, so concurrent writers lock in one order."""
    wanted = sorted({(alias_key(e.name), e.label): e.name for e in enriched.entities}.items())
    if not wanted:
        return {}
    _execute_many(
        session,
        _insert(session, Entity).on_conflict_do_nothing(index_elements=["name_key", "label"]),
        [
            {"name": name, "name_key": key, "label": label, "article_count": 0}
            for (key, label), name in wanted
        ],
    )
    ids: dict[tuple[str, str], int] = {}
    for key_label_chunk in _chunks([kl for kl, _ in wanted], 200):
        keys = [k for k, _ in key_label_chunk]
        found = session.exec(
            select(Entity.name_key, Entity.label, Entity.id).where(col(Entity.name_key).in_(keys))
        )
        ids.update(
            {(k, label): i for k, label, i in found if i is not None and (k, label) in dict(wanted)}
        )
    aliases = sorted(
        {
            (alias_key(surface), ids[(alias_key(e.name), e.label)])
            for e in enriched.entities
            for surface in e.aliases
        }
    )
    _execute_many(
        session,
        _insert(session, EntityAlias).on_conflict_do_nothing(
            index_elements=["alias_key", "entity_id"]
        ),
        [{"alias_key": a, "entity_id": i} for a, i in aliases],
    )
    return ids


def _execute_many(session: Session, statement: Executable, rows: list[dict[str, Any]]) -> None:
    """Core executemany: the statement compiles once and is cached (a multi-row `.values()`
    recompiles for every row count, which cost more than the database work itself)."""
    if rows:
        session.connection().execute(statement, rows)


def _next_feed_position(session: Session) -> int:
    position: int = session.exec(
        update(FeedCounter)
        .where(col(FeedCounter.id) == 1)
        .values(value=FeedCounter.value + 1)
        .returning(col(FeedCounter.value))
    ).scalar_one()
    return position


def _chunks(items: list[_T], size: int) -> Iterator[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
