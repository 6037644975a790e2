"""Read endpoints: articles, entities, the change feed. Thin: queries live in queries.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from sqlmodel import Session

from services.api.cursor import MAX_ID, decode_cursor, encode_cursor
from services.api.queries import (
    ArticleFilter,
    FeedFilter,
    aliases_of,
    archived_revisions,
    feed_page,
    list_articles,
    list_entities,
)
from shared.aliases import AliasTable
from shared.db import SessionDep
from shared.models import Article, ArticleRevision, ArticleStatus
from shared.schemas import (
    ArticleDetail,
    ArticlePage,
    ArticleSummary,
    Enrichment,
    EntityOut,
    EntityPage,
    FeedPage,
    QualityFlag,
    RevisionDetail,
    RevisionList,
    RevisionSummary,
)

router = APIRouter(prefix="/v1")

EventName = Literal["created", "updated", "retracted"]
EntityLabel = Annotated[str, Query(pattern=r"^[A-Z_]{2,16}$", description="e.g. PERSON, ORG, GPE")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]


def get_aliases(request: Request) -> AliasTable:
    aliases: AliasTable = request.app.state.aliases
    return aliases


AliasesDep = Annotated[AliasTable, Depends(get_aliases)]


def _summary(article: Article, pipeline: dict[str, str] | None = None) -> ArticleSummary:
    return ArticleSummary.model_validate(
        {
            "id": article.id,
            "status": article.status,
            "source": article.source,
            "external_id": article.external_id,
            "title": article.title,
            "url": article.url,
            "published_at": article.published_at,
            "created_at": article.created_at,
            "enriched_at": article.enriched_at,
            "feed_seq": article.feed_seq,
            "revision": article.revision,
            "revised_at": article.revised_at,
            "syndication_group": article.syndication_group,
            "pipeline": pipeline,
            "language": article.detected_language or article.language,
            "error": article.error,
            "quality": (article.quality or "").split(),
        }
    )


ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, description="An article id")]
_GONE: dict[int | str, dict[str, Any]] = {
    404: {"description": "No article with this id"},
    410: {"description": "Retracted: the detail gives the reason and when"},
}


def _live_article(session: Session, article_id: int) -> Article:
    """The article, or 404; a retracted one answers 410 with its reason (a tombstone)."""
    article = session.get(Article, article_id)
    if article is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no article with id {article_id}")
    if article.status == ArticleStatus.retracted:
        raise HTTPException(
            status.HTTP_410_GONE,
            {
                "message": f"article {article_id} was retracted",
                "reason": article.retraction_reason,
                "retracted_at": article.retracted_at.isoformat() if article.retracted_at else None,
                "revision": article.revision,
            },
        )
    return article


@router.get(
    "/articles/{article_id}",
    response_model=ArticleDetail,
    summary="One article (its latest revision)",
    responses=_GONE,
)
def get_article(article_id: ArticleId, session: SessionDep) -> ArticleDetail:
    article = _live_article(session, article_id)
    enrichment = Enrichment.model_validate(article.enrichment or {})
    return ArticleDetail(
        **_summary(article, enrichment.pipeline).model_dump(),
        content_type=article.content_type,
        attempts=article.attempts,
        raw=article.raw,
        source_text=enrichment.source_text,
        clean_text=article.clean_text,
        language_confidence=enrichment.language_confidence,
        entities_skipped_reason=enrichment.entities_skipped_reason,
        removals=enrichment.removals,
        credits=enrichment.credits,
        entities=enrichment.entities,
        metadata=enrichment.metadata,
        author=enrichment.metadata.get("author"),
        site_name=enrichment.metadata.get("site_name"),
        quality_detail=enrichment.quality_detail,
        stats=enrichment.stats,
    )


def _current_revision(article: Article) -> dict[str, Any]:
    return {
        "revision": article.revision,
        "status": article.status,
        "current": True,
        "title": article.title,
        "published_at": article.published_at,
        "received_at": article.revised_at or article.created_at,
        "enriched_at": article.enriched_at,
    }


def _archived_revision(row: ArticleRevision) -> dict[str, Any]:
    return {
        "revision": row.revision,
        "status": row.status,
        "current": False,
        "title": row.title,
        "published_at": row.published_at,
        "received_at": row.received_at,
        "enriched_at": row.enriched_at,
    }


@router.get(
    "/articles/{article_id}/revisions",
    response_model=RevisionList,
    summary="Every revision of an article, oldest first",
    responses=_GONE,
)
def list_revisions(article_id: ArticleId, session: SessionDep) -> RevisionList:
    article = _live_article(session, article_id)
    rows = archived_revisions(session, article_id)
    items = [RevisionSummary.model_validate(_archived_revision(r)) for r in rows]
    items.append(RevisionSummary.model_validate(_current_revision(article)))
    return RevisionList(article_id=article_id, items=items)


@router.get(
    "/articles/{article_id}/revisions/{revision}",
    response_model=RevisionDetail,
    summary="One revision of an article, with its own enrichment",
    responses=_GONE,
)
def get_revision(
    article_id: ArticleId,
    revision: Annotated[int, Path(ge=1, le=MAX_ID, description="A revision number")],
    session: SessionDep,
) -> RevisionDetail:
    article = _live_article(session, article_id)
    content: Article | ArticleRevision = article
    if revision == article.revision:
        summary, clean_text = _current_revision(article), article.clean_text
        enrichment, error = article.enrichment or {}, article.error
    else:
        row = session.get(ArticleRevision, (article_id, revision))
        if row is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                f"article {article_id} has revisions 1 to {article.revision}; no {revision}",
            )
        summary, content, clean_text = _archived_revision(row), row, row.clean_text
        enrichment, error = row.enrichment or {}, row.error
    return RevisionDetail.model_validate(
        {
            **summary,
            "article_id": article_id,
            "content_type": content.content_type,
            "raw": content.raw,
            "url": content.url,
            "clean_text": clean_text,
            "error": error,
            "removals": enrichment.get("removals", []),
            "credits": enrichment.get("credits", []),
            "entities": enrichment.get("entities", []),
            "pipeline": enrichment.get("pipeline"),
        }
    )


@router.get("/articles", response_model=ArticlePage, summary="Find articles, newest first")
def find_articles(
    session: SessionDep,
    aliases: AliasesDep,
    entity: Annotated[
        str | None,
        Query(min_length=1, max_length=300, description="Entity name or alias, e.g. Putin or U.S."),
    ] = None,
    entity_type: EntityLabel | None = None,
    about: Annotated[
        bool,
        Query(description="Only articles where the entity is salient (salience >= min_salience)"),
    ] = False,
    min_salience: Annotated[float, Query(ge=0, le=1)] = 0.5,
    source: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    status_: Annotated[ArticleStatus | None, Query(alias="status")] = None,
    published_from: datetime | None = None,
    published_to: datetime | None = None,
    quality: Annotated[
        list[QualityFlag] | None,
        Query(description="Only records with every one of these quality flags"),
    ] = None,
    quality_not: Annotated[
        list[QualityFlag] | None,
        Query(description="Only records with none of these quality flags"),
    ] = None,
    unique: Annotated[
        bool,
        Query(description="One article per syndication group (the original of each copy set)"),
    ] = False,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ArticlePage:
    before_id = int(decode_cursor(cursor, arity=1)[0]) if cursor else None
    filters = ArticleFilter(
        entity=entity,
        entity_type=entity_type,
        min_salience=min_salience if about else None,
        source=source,
        status=status_,
        published_from=published_from,
        published_to=published_to,
        quality=tuple(quality or ()),
        quality_not=tuple(quality_not or ()),
        unique=unique,
    )
    rows = list_articles(
        session, filters=filters, aliases=aliases, before_id=before_id, limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].id or 0) if len(rows) > limit else None
    return ArticlePage(items=[_summary(a) for a in page], next_cursor=next_cursor)


@router.get(
    "/feed", response_model=FeedPage, summary="Enriched articles in the order they became available"
)
def read_feed(
    session: SessionDep,
    after: Annotated[
        str, Query(pattern=r"^\d{1,18}$", description="Feed position already seen; 0 for the start")
    ] = "0",
    limit: Limit = 100,
    source: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    event: Annotated[
        list[EventName] | None, Query(description="Only these kinds of event (repeatable)")
    ] = None,
) -> FeedPage:
    filters = FeedFilter(source=source, kinds=frozenset(event) if event else None)
    rows = feed_page(session, after=int(after), limit=limit, filters=filters)
    # One validation over plain data: a page holds thousands of entities, and validating them
    # one model at a time cost more than the query.
    items = [
        {
            "seq": row.position,
            "event": row.kind,
            "cause": row.cause,
            "revision": row.revision,
            "article": _summary(row.article, row.pipeline),
            "entities": row.entities,
        }
        for row in rows
    ]
    next_after = str(items[-1]["seq"] if items else int(after))
    return FeedPage.model_validate({"items": items, "next_after": next_after})


@router.get(
    "/entities", response_model=EntityPage, summary="Entities by how many articles mention them"
)
def find_entities(
    session: SessionDep,
    aliases: AliasesDep,
    type_: Annotated[EntityLabel | None, Query(alias="type")] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=300)] = None,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> EntityPage:
    after = None
    if cursor:
        count, entity_id = decode_cursor(cursor, arity=2)
        after = (int(count), int(entity_id))
    rows = list_entities(
        session, label=type_, name=name, aliases=aliases, after=after, limit=limit + 1
    )
    page = rows[:limit]
    known = aliases_of(session, [e.id for e in page if e.id is not None])
    items = [
        EntityOut(
            id=e.id or 0,
            name=e.name,
            label=e.label,
            article_count=e.article_count,
            aliases=known.get(e.id or 0, []),
        )
        for e in page
    ]
    next_cursor = (
        encode_cursor(page[-1].article_count, page[-1].id or 0) if len(rows) > limit else None
    )
    return EntityPage(items=items, next_cursor=next_cursor)
