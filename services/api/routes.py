"""Read endpoints: articles, entities, sources, the change feed. Thin: queries live in
queries.py, record shaping in records.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from sqlmodel import Session

from services.api.cursor import MAX_ID, decode_cursor, encode_cursor
from services.api.params import (
    EntityLabel,
    Include,
    SortOrder,
    StatusName,
    reject_unknown_query,
    split_list,
)
from services.api.queries import (
    RANK_CANDIDATES,
    ArticleFilter,
    FeedEntry,
    aliases_of,
    archived_revisions,
    entity_articles,
    entity_corrections,
    feed_page,
    list_articles,
    list_entities,
    list_sources,
    load_article,
)
from services.api.records import (
    RECORD_FIELDS,
    article_record,
    etag_response,
    parse_fields,
    select_fields,
    summary_dict,
)
from shared.aliases import AliasTable
from shared.db import SessionDep
from shared.models import Article, ArticleRevision, ArticleStatus, Entity
from shared.schemas import (
    ArticleDetail,
    ArticleFields,
    ArticlePage,
    CorrectionOut,
    EntityDetail,
    EntityOut,
    EntityPage,
    FeedPage,
    MergedEntity,
    QualityFlag,
    RevisionDetail,
    RevisionList,
    RevisionSummary,
    SourcePage,
)

# Unknown query parameters are refused on every read route (a misspelt filter must not list
# everything as if it had matched).
router = APIRouter(prefix="/v1", dependencies=[Depends(reject_unknown_query)])

EventName = Literal["created", "updated", "retracted"]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
TypeParam = Annotated[
    EntityLabel | None, Query(description="Entity label, any case: PERSON, person, ORG, GPE...")
]


def get_aliases(request: Request) -> AliasTable:
    aliases: AliasTable = request.app.state.aliases
    return aliases


AliasesDep = Annotated[AliasTable, Depends(get_aliases)]


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
    _refuse_tombstone(article)
    return article


def _refuse_tombstone(article: Article) -> None:
    """410 with the retraction's reason, when, and the last revision."""
    article_id = article.id
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


@router.get(
    "/articles/{article_id}",
    response_model=ArticleDetail | ArticleFields,
    summary="One article (its latest revision)",
    responses={
        200: {"description": "The record (only the chosen `fields` with fields=)"},
        304: {"description": "Unchanged since the ETag given in If-None-Match"},
        **_GONE,
    },
)
def get_article(
    request: Request,
    article_id: ArticleId,
    session: SessionDep,
    include: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Heavy parts to add, comma-separated: raw, source_text, mentions",
            examples=["mentions", "raw,source_text,mentions"],
        ),
    ] = None,
    fields: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="Top-level fields to return, comma-separated",
            examples=["id,title,clean_text"],
        ),
    ] = None,
) -> Response:
    extras = split_list(include, Include, name="include")
    chosen = parse_fields(fields, RECORD_FIELDS)
    loaded = load_article(
        session,
        article_id,
        with_raw=Include.raw in extras or Include.source_text in extras,
        slim=not ({Include.mentions, Include.source_text} & extras),
    )
    if loaded is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no article with id {article_id}")
    article, enrichment = loaded
    _refuse_tombstone(article)
    return etag_response(
        request, select_fields(article_record(article, enrichment, include=extras), chosen)
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


@router.get(
    "/articles",
    response_model=ArticlePage,
    summary="Find and search articles",
    description='Newest first; with `q` a full-text search (websearch syntax: "a phrase", '
    "a OR b, -excluded) ordered by relevance unless `sort=newest`, each hit with a snippet. "
    f"On PostgreSQL relevance is computed among the newest {RANK_CANDIDATES:,} hits (after "
    f"every filter), so a relevance search returns at most {RANK_CANDIDATES:,} articles; "
    "`sort=newest` returns every hit. "
    "Every filter combines with `q` and with the cursor.",
)
def find_articles(
    session: SessionDep,
    aliases: AliasesDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=500,
            description="Full-text search over title and clean text",
            examples=['"interest rates" OR inflation -opinion'],
        ),
    ] = None,
    sort: Annotated[
        SortOrder | None,
        Query(description="relevance (default with q) or newest (default without q)"),
    ] = None,
    entity: Annotated[
        str | None,
        Query(min_length=1, max_length=300, description="Entity name or alias, e.g. Putin or U.S."),
    ] = None,
    entity_type: TypeParam = None,
    about: Annotated[
        bool,
        Query(description="Only articles where the entity is salient (salience >= min_salience)"),
    ] = False,
    min_salience: Annotated[float, Query(ge=0, le=1)] = 0.5,
    source: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    language: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description="e.g. en, de"),
    ] = None,
    status_: Annotated[StatusName | None, Query(alias="status")] = None,
    published_from: datetime | None = None,
    published_to: datetime | None = None,
    enriched_since: Annotated[
        datetime | None, Query(description="Only articles enriched at or after this time")
    ] = None,
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
) -> Response:
    if sort == SortOrder.relevance and q is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "query parameter 'sort': relevance needs q=; without q the order is newest",
        )
    by_relevance = q is not None and sort != SortOrder.newest
    after = decode_cursor(cursor, arity=2 if by_relevance else 1) if cursor else None
    filters = ArticleFilter(
        entity=entity,
        entity_type=entity_type.value if entity_type else None,
        min_salience=min_salience if about else None,
        source=source,
        status=ArticleStatus(status_.value) if status_ else None,
        published_from=published_from,
        published_to=published_to,
        language=language,
        enriched_since=enriched_since,
        q=q,
        quality=tuple(quality or ()),
        quality_not=tuple(quality_not or ()),
        unique=unique,
    )
    hits = list_articles(
        session,
        filters=filters,
        aliases=aliases,
        by_relevance=by_relevance,
        after=after,
        limit=limit + 1,
        snippets_for=limit,
    )
    page = hits[:limit]
    next_cursor = None
    if len(hits) > limit:
        last = page[-1]
        key = (last.rank or 0.0, last.article.id or 0) if by_relevance else (last.article.id or 0,)
        next_cursor = encode_cursor(*key)
    items = [{**summary_dict(h.article), "rank": h.rank, "snippet": h.snippet} for h in page]
    # Serialized directly, as the feed is: the items are already in ArticleListItem's shape.
    return Response(
        orjson.dumps({"items": items, "next_cursor": next_cursor}), media_type="application/json"
    )


def feed_filters(
    entity: Annotated[
        str | None,
        Query(min_length=1, max_length=300, description="Entity name or alias, e.g. Putin"),
    ] = None,
    entity_type: TypeParam = None,
    source: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    language: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description="e.g. en, de"),
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=500, description="Full-text search")
    ] = None,
    event: Annotated[
        list[EventName] | None, Query(description="Only these kinds of event (repeatable)")
    ] = None,
) -> ArticleFilter:
    """The filters the feed, the stream and webhooks share (a subset of the list's, plus the
    kind of event)."""
    return ArticleFilter(
        entity=entity,
        entity_type=entity_type.value if entity_type else None,
        source=source,
        language=language,
        q=q,
        events=frozenset(event) if event else None,
    )


FeedFiltersDep = Annotated[ArticleFilter, Depends(feed_filters)]
FeedAfter = Annotated[
    str, Query(pattern=r"^\d{1,18}$", description="Feed position already seen; 0 for the start")
]


def feed_items(rows: list[FeedEntry]) -> list[dict[str, Any]]:
    """Feed events as plain JSON-ready data (one shape for /v1/feed, /v1/stream and webhook
    deliveries): one item per event, its kind in `event`, with the article as it stands now."""
    return [
        {
            "seq": row.position,
            "event": row.kind,
            "cause": row.cause,
            "revision": row.revision,
            "article": summary_dict(row.article, row.pipeline),
            "entities": row.entities,
        }
        for row in rows
    ]


@router.get(
    "/feed",
    response_model=FeedPage,
    summary="Feed events (created, updated, retracted) in the order they happened",
    description="Follow with `next_after`. One item per event, its kind in `event`, its cause "
    "and the article's `revision`. Filters narrow what is listed; positions stay those of the "
    "whole feed, so a filtered follower never sees an item twice or misses one.",
)
def read_feed(
    session: SessionDep,
    aliases: AliasesDep,
    filters: FeedFiltersDep,
    after: FeedAfter = "0",
    limit: Limit = 100,
) -> Response:
    rows = feed_page(session, after=int(after), limit=limit, filters=filters, aliases=aliases)
    items = feed_items(rows)
    next_after = str(items[-1]["seq"] if items else int(after))
    # Serialized directly: the items are built from validated summaries and stored entities, and
    # validating a page of thousands of entities again cost more than the query.
    return Response(
        orjson.dumps({"items": items, "next_after": next_after}), media_type="application/json"
    )


@router.get(
    "/entities", response_model=EntityPage, summary="Entities by how many articles mention them"
)
def find_entities(
    session: SessionDep,
    aliases: AliasesDep,
    type_: Annotated[
        EntityLabel | None, Query(alias="type", description="Entity label, any case")
    ] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=300)] = None,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> EntityPage:
    after = None
    if cursor:
        count, entity_id = decode_cursor(cursor, arity=2)
        after = (int(count), int(entity_id))
    label = type_.value if type_ else None
    rows = list_entities(
        session, label=label, name=name, aliases=aliases, after=after, limit=limit + 1
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


@router.get(
    "/entities/{entity_id}",
    response_model=EntityDetail,
    summary="One entity: names, aliases, label, article count, recent articles",
    responses={
        304: {"description": "Unchanged since the ETag given in If-None-Match"},
        307: {
            "description": "An editor merged this entity into another: `Location` is that one",
            "model": MergedEntity,
        },
        404: {"description": "No entity with this id"},
    },
)
def get_entity(
    request: Request,
    entity_id: Annotated[int, Path(ge=1, le=MAX_ID, description="An entity id")],
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100, description="How many recent articles")] = 20,
) -> Response:
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no entity with id {entity_id}")
    if entity.merged_into is not None:
        # Temporary (307), not permanent: a split can bring the entity back.
        target = entity.merged_into
        # Relative to this URL (a sibling path), so it holds behind a proxy's path prefix too.
        location = f"{target}?{request.url.query}" if request.url.query else str(target)
        pointer = MergedEntity(
            detail=f"entity {entity_id} ({entity.name!r}) was merged into entity {target}",
            merged_into=target,
        )
        return Response(
            pointer.model_dump_json(),
            status_code=status.HTTP_307_TEMPORARY_REDIRECT,
            headers={"Location": location},
            media_type="application/json",
        )
    recent = [
        {
            "id": article.id,
            "title": article.title,
            "source": article.source,
            "published_at": article.published_at,
            "enriched_at": article.enriched_at,
            "salience": link.salience,
            "mention_count": link.mention_count,
        }
        for article, link in entity_articles(session, entity_id, limit=limit)
    ]
    detail = EntityDetail.model_validate(
        {
            "id": entity.id,
            "name": entity.name,
            "label": entity.label,
            "article_count": entity.article_count,
            "aliases": aliases_of(session, [entity_id])[entity_id],
            "recent_articles": recent,
            "corrections": [
                CorrectionOut.model_validate(c, from_attributes=True)
                for c in entity_corrections(session, entity_id)
            ],
        }
    )
    return etag_response(request, detail.model_dump(mode="json"))


@router.get("/sources", response_model=SourcePage, summary="Every source with article counts")
def get_sources(session: SessionDep) -> dict[str, Any]:
    return {"items": list_sources(session)}
