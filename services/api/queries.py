"""Read queries over the enriched store. Every list is keyset-paginated on an indexed order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import literal_column, or_, union
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import QueryableAttribute, defer
from sqlalchemy.orm.strategy_options import _AbstractLoad
from sqlmodel import Session, col, select

from shared.aliases import AliasTable, alias_key
from shared.models import (
    Article,
    ArticleEntity,
    ArticleRevision,
    ArticleStatus,
    Entity,
    EntityAlias,
    FeedEvent,
)
from shared.schemas import entities_without_mentions, stored_field


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    entity: str | None = None
    entity_type: str | None = None
    min_salience: float | None = None
    source: str | None = None
    status: ArticleStatus | None = None
    published_from: datetime | None = None
    published_to: datetime | None = None
    quality: tuple[str, ...] = ()  # every one of these flags
    quality_not: tuple[str, ...] = ()  # none of these
    unique: bool = False  # one article per syndication group: its original


def resolve_entity_ids(
    session: Session, *, name: str, label: str | None, aliases: AliasTable
) -> list[int]:
    """The entities a consumer means by `name`: canonical form, known aliases, seen surfaces."""
    keys = {alias_key(name)}
    if (canonical := aliases.lookup(name)) is not None:
        keys.add(alias_key(canonical.name))
    # A UNION of two index lookups: an OR of two IN-subqueries cannot use an index and scanned
    # the whole entity table on every filtered request.
    by_name = select(Entity.id).where(col(Entity.name_key).in_(keys))
    by_alias = select(EntityAlias.entity_id).where(col(EntityAlias.alias_key).in_(keys))
    if label:
        by_name = by_name.where(Entity.label == label)
        by_alias = by_alias.join(Entity, col(Entity.id) == EntityAlias.entity_id).where(
            Entity.label == label
        )
    return sorted(session.execute(union(by_name, by_alias)).scalars())


def _deferred(column: object) -> _AbstractLoad:
    """Load `column` only if asked, and fail loudly if it is touched (see below). SQLModel types
    its columns as their Python values; `defer` wants the mapped attribute they are."""
    return defer(cast("QueryableAttribute[Any]", column), raiseload=True)


# List pages show summaries: the submitted and cleaned texts stay in the database (they are most
# of a row's bytes). raiseload: touching one by mistake fails loudly instead of one query per row.
_TEXTS = (_deferred(Article.raw), _deferred(Article.clean_text))
_SUMMARY_ONLY = (*_TEXTS, _deferred(Article.enrichment))


def list_articles(
    session: Session,
    *,
    filters: ArticleFilter,
    aliases: AliasTable,
    before_id: int | None,
    limit: int,
) -> Sequence[Article]:
    query = select(Article).options(*_SUMMARY_ONLY)
    if filters.entity is not None or filters.entity_type is not None:
        mentions = select(ArticleEntity.article_id)
        if filters.entity is not None:
            ids = resolve_entity_ids(
                session, name=filters.entity, label=filters.entity_type, aliases=aliases
            )
            if not ids:
                return []
            mentions = mentions.where(col(ArticleEntity.entity_id).in_(ids))
        else:
            # The label copied into the join table: one index walked newest first, instead of
            # every article of every entity with that label collected and sorted.
            mentions = mentions.where(ArticleEntity.label == filters.entity_type)
        if filters.min_salience is not None:
            mentions = mentions.where(ArticleEntity.salience >= filters.min_salience)
        query = query.where(col(Article.id).in_(mentions))
    if filters.source is not None:
        query = query.where(Article.source == filters.source)
    if filters.status is not None:
        query = query.where(Article.status == filters.status)
    else:  # tombstones are listed only when asked for
        query = query.where(Article.status != ArticleStatus.retracted)
    if filters.published_from is not None:
        query = query.where(col(Article.published_at) >= filters.published_from)
    if filters.published_to is not None:
        query = query.where(col(Article.published_at) < filters.published_to)
    for flag in filters.quality:
        query = query.where(col(Article.quality).like(f"% {flag} %"))
    for flag in filters.quality_not:
        query = query.where(
            or_(col(Article.quality).is_(None), col(Article.quality).not_like(f"% {flag} %"))
        )
    if filters.unique:
        query = query.where(
            or_(
                col(Article.syndication_group).is_(None),
                col(Article.syndication_group) == col(Article.id),
            )
        )
    if before_id is not None:
        query = query.where(col(Article.id) < before_id)
    return session.exec(query.order_by(col(Article.id).desc()).limit(limit)).all()


# The feed lists each article's entities without their mentions (the bulk of the stored JSON):
# PostgreSQL drops them before sending the row; elsewhere `entities_without_mentions` does.
_PG_FEED_ENTITIES = literal_column(
    f"(SELECT coalesce(jsonb_agg(e - '{stored_field('mentions')}' ORDER BY i), '[]'::jsonb) "
    f"FROM jsonb_array_elements(article.enrichment -> '{stored_field('entities')}') "
    "WITH ORDINALITY AS t(e, i))",
    JSONB,
)


@dataclass(frozen=True, slots=True)
class FeedFilter:
    source: str | None = None
    kinds: frozenset[str] | None = None  # None: every kind of event


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed event with the article as it stands now (its latest revision)."""

    position: int
    kind: str
    cause: str
    revision: int
    article: Article
    entities: list[dict[str, Any]]
    pipeline: dict[str, str] | None


def feed_page(
    session: Session, *, after: int, limit: int, filters: FeedFilter | None = None
) -> list[FeedEntry]:
    """Feed events after position `after`, in position order, each with its article and the
    article's entities (no mentions). The one query behind /v1/feed (and any stream of it)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    options: tuple[_AbstractLoad, ...] = _TEXTS
    if postgres:
        extra = (_PG_FEED_ENTITIES, literal_column("article.enrichment -> 'pipeline'", JSONB))
        options = (*_TEXTS, _deferred(Article.enrichment))
    else:
        extra = (literal_column("NULL"), literal_column("NULL"))
    query = (
        select(FeedEvent, Article, *extra)
        .join(Article, col(Article.id) == FeedEvent.article_id)
        .options(*options)
        .where(col(FeedEvent.position) > after)
    )
    if filters is not None and filters.source is not None:
        query = query.where(Article.source == filters.source)
    if filters is not None and filters.kinds is not None:
        query = query.where(col(FeedEvent.kind).in_(sorted(filters.kinds)))
    rows = session.exec(query.order_by(col(FeedEvent.position)).limit(limit)).all()
    entries = []
    for event, article, pg_entities, pg_pipeline in rows:
        if postgres:
            entities, pipeline = pg_entities or [], pg_pipeline
        else:
            stored = article.enrichment or {}
            entities = entities_without_mentions(stored.get(stored_field("entities"), []))
            pipeline = stored.get("pipeline")
        entries.append(
            FeedEntry(
                event.position, event.kind, event.cause, event.revision, article, entities, pipeline
            )
        )
    return entries


def archived_revisions(session: Session, article_id: int) -> Sequence[ArticleRevision]:
    """An article's earlier revisions, oldest first (the article row is the latest)."""
    query = (
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article_id)
        .order_by(col(ArticleRevision.revision))
    )
    return session.exec(query).all()


def list_entities(
    session: Session,
    *,
    label: str | None,
    name: str | None,
    aliases: AliasTable,
    after: tuple[int, int] | None,
    limit: int,
) -> Sequence[Entity]:
    """Entities mentioned by at least one article, most mentioned first."""
    query = select(Entity).where(Entity.article_count > 0)
    if label:
        query = query.where(Entity.label == label)
    if name:
        ids = resolve_entity_ids(session, name=name, label=label, aliases=aliases)
        query = query.where(col(Entity.id).in_(ids))
    if after is not None:
        count, entity_id = after
        query = query.where(
            or_(
                col(Entity.article_count) < count,
                (col(Entity.article_count) == count) & (col(Entity.id) > entity_id),
            )
        )
    query = query.order_by(col(Entity.article_count).desc(), col(Entity.id)).limit(limit)
    return session.exec(query).all()


def aliases_of(session: Session, entity_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in entity_ids}
    if entity_ids:
        rows = session.exec(
            select(EntityAlias.entity_id, EntityAlias.alias_key)
            .where(col(EntityAlias.entity_id).in_(entity_ids))
            .order_by(EntityAlias.alias_key)
        )
        for entity_id, key in rows:
            found[entity_id].append(key)
    return found
