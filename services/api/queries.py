"""Read queries over the enriched store. Every list is keyset-paginated on an indexed order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import (
    ColumnElement,
    Integer,
    Text,
    any_,
    bindparam,
    func,
    literal_column,
    or_,
    union,
)
from sqlalchemy import cast as sa_cast
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import QueryableAttribute, defer
from sqlalchemy.orm.strategy_options import _AbstractLoad
from sqlmodel import Session, col, select

from services.api.hit_density import lexeme_shares, query_share
from services.api.search import VECTORS, Search
from services.api.search_walk import walk, walk_base, walk_span, walk_statement
from shared.aliases import AliasTable, alias_key
from shared.models import (
    FEED_COLUMNS,
    Article,
    ArticleEntity,
    ArticleRevision,
    ArticleStatus,
    Entity,
    EntityAlias,
    EntityCorrection,
    FeedEvent,
    FormerMention,
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
    language: str | None = None
    enriched_since: datetime | None = None
    q: str | None = None
    quality: tuple[str, ...] = ()  # every one of these flags
    quality_not: tuple[str, ...] = ()  # none of these
    unique: bool = False  # one article per syndication group: its original
    # The feed only: which kinds of event (created/updated/retracted); None: every kind.
    events: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ArticleHit:
    """One row of a list page: `article` is a row of SUMMARY_COLUMNS (what a listing shows);
    `rank` and `snippet` only for a search."""

    article: Any
    rank: float | None = None
    snippet: str | None = None


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
    found = set(session.execute(union(by_name, by_alias)).scalars())
    return sorted(with_merged(session, found))


def with_merged(session: Session, ids: set[int]) -> set[int]:
    """The entities an editor merged `ids` into, and those merged into them: one entity's
    articles whichever id or name finds it (a merge moves the rows; this covers any written by
    an enrichment that was running while it did)."""
    if not ids:
        return ids
    roots = {
        merged_into or entity_id
        for entity_id, merged_into in session.exec(
            select(Entity.id, Entity.merged_into).where(col(Entity.id).in_(sorted(ids)))
        )
        if entity_id is not None
    }
    merged = session.exec(select(Entity.id).where(col(Entity.merged_into).in_(sorted(roots))))
    return roots | {i for i in merged if i is not None}


def _deferred(column: object) -> _AbstractLoad:
    """Load `column` only if asked, and fail loudly if it is touched (see below). SQLModel types
    its columns as their Python values; `defer` wants the mapped attribute they are."""
    return defer(cast("QueryableAttribute[Any]", column), raiseload=True)


# List pages show summaries: the submitted and cleaned texts stay in the database (they are most
# of a row's bytes). raiseload: touching one by mistake fails loudly instead of one query per row.
_TEXTS = (_deferred(Article.raw), _deferred(Article.clean_text))
_SUMMARY_ONLY = (*_TEXTS, _deferred(Article.enrichment))


# See list_articles: how many of the newest hits a PostgreSQL search ranks (and so the most a
# relevance search returns; sort=newest has no such bound). Ranking reads each candidate's
# 3.3 KB vector: TOASTed, at 2,000 a phrase search cost ~55 ms of CPU, over the 50 ms target for
# its p99 on its own; at 1,000 ~35 (bench/ANALYSIS.md, "Consumer reads, third pass"). Read from
# the narrow table's in-row copies since (0019), ranking 1,000 costs ~5 instead of ~10 ms of
# database CPU ("fourth pass").
RANK_CANDIDATES = 1000


def _unindexed_id() -> Any:
    """`id + 0`: the same order, but not the primary key's. Searching newest first, PostgreSQL
    would otherwise walk the key backwards testing every row's (TOASTed) vector, seconds when
    hits are rare; this way the hits come from the GIN index and only they are sorted."""
    return col(Article.id) + 0


# A search's bitmaps (its words' GIN match ANDed with an id range or a filter's index) kept exact:
# with the default 4 MB a common word's bitmap at 1,000,000 articles went lossy, and every row of
# 38,586 heap pages was tested again (1.1 s instead of 68 ms for "minister" in one source,
# bench/ANALYSIS.md "Search at a million articles"). Local to the request's transaction.
SEARCH_MEMORY = "set_config('work_mem', '64MB', true)"

# The first id window _newest_hit_ids looks in, as a multiple of RANK_CANDIDATES, when the
# statistics cannot size it; and the margin over the hit density expected or seen so far by
# which a window is sized.
FIRST_WINDOW, DENSITY_MARGIN = 4, 1.25
# The margin over the share the statistics give: on the bench's 100,000 articles their share of
# a phrase was exact to 0.1%, and every hit read beyond the RANK_CANDIDATES is wasted.
STATISTICS_MARGIN = 1.1


def _newest_hit_ids(
    session: Session, search: Search, *, filters: ArticleFilter, aliases: AliasTable
) -> str | None:
    """The ids of the newest RANK_CANDIDATES hits, as a PostgreSQL array literal ('{3,2,1}'),
    None when there is none. Collecting and sorting every hit of a common word (a third of the
    store) cost more than ranking, and a phrase's hits are each re-checked against their
    (TOASTed) vector; so the hits are gathered window by window of ids, newest first, each
    window sized from the hit density of those before, until there are enough or the table is
    covered. Each window answers its count and its ids as one text value, which goes back into
    the ranking statement as it is: 2,000 ids fetched as rows and sent back as a bound list cost
    more Python time than the database spent finding them."""
    base: Any = _apply_filters(session, select(col(Article.id)), filters=filters, aliases=aliases)
    if base is None:
        return None
    base = search.apply(base).order_by(_unindexed_id().desc())
    # One statement for every window, run with each window's bounds: built anew per window,
    # SQLAlchemy took more time than the database.
    hits = (
        base.where(col(Article.id) <= bindparam("ceiling"), col(Article.id) > bindparam("floor"))
        .limit(bindparam("wanted"))
        .subquery()
    )
    connection = session.connection()
    window = sa_select(func.count(), func.string_agg(sa_cast(hits.c.id, Text), ","))
    first_window = RANK_CANDIDATES * FIRST_WINDOW
    shares = lexeme_shares(session) if filters == ArticleFilter(q=filters.q) else None
    share = query_share(search.tsquery_text, shares) if shares is not None else None
    if share is not None:
        # No filter but the words: their share of the store bounds the window that holds
        # enough hits (hit_density.py), one window where a common phrase took two.
        first_window = int(RANK_CANDIDATES / max(share, 1e-6) * STATISTICS_MARGIN) + 1
    span = walk_span(share, RANK_CANDIDATES)
    # A window must be found as two bitmaps ANDed (id range, GIN match), so that only its hits'
    # rows are read; left to itself the planner walks the primary key through the range and
    # tests every row's vector. For these statements only (set here, local to the
    # transaction, reset below); a walk needs the index scans, so it is set after one.
    _, _, top = connection.exec_driver_sql(
        f"SELECT {SEARCH_MEMORY}, set_config('enable_indexscan', 'off', true), "
        "coalesce(max(id), 0) FROM article"
        if span is None
        else f"SELECT {SEARCH_MEMORY}, NULL, coalesce(max(id), 0) FROM article"
    ).one()
    found, listed = 0, []
    ceiling = top
    if span is not None:
        # Common words: the newest vectors are walked instead (search_walk.py), on down while
        # the density seen says the rest is near, then the windows below.
        statement = walk_statement(
            _apply_filters(session, walk_base(), filters=filters, aliases=aliases), search
        )
        walked = 0
        while span is not None:
            count, ids = walk(
                connection, statement, ceiling=ceiling, span=span, wanted=RANK_CANDIDATES - found
            )
            found, walked, ceiling = found + count, walked + span, ceiling - span
            if ids:
                listed.append(ids)
            if found >= RANK_CANDIDATES or ceiling <= 0:
                return "{" + ",".join(listed) + "}" if listed else None
            span = walk_span(found / walked, RANK_CANDIDATES - found, walked=walked)
        first_window = int(walked * (RANK_CANDIDATES - found) / max(found, 1) * DENSITY_MARGIN) + 1
        connection.exec_driver_sql("SET LOCAL enable_indexscan TO off")
    floor = ceiling - first_window
    while True:
        bounds = {"ceiling": ceiling, "floor": max(floor, 0), "wanted": RANK_CANDIDATES - found}
        count, ids = connection.execute(window, bounds).one()
        found += count
        if ids:
            listed.append(ids)
        if found >= RANK_CANDIDATES or floor <= 0:
            break
        seen = top - floor
        wanted = RANK_CANDIDATES - found
        step = seen * 4 if not found else int(seen * wanted / found * DENSITY_MARGIN) + 1
        ceiling, floor = floor, floor - step
    connection.exec_driver_sql("SET LOCAL enable_indexscan TO DEFAULT")
    return "{" + ",".join(listed) + "}" if listed else None


def _walked_newest(
    session: Session,
    search: Search,
    *,
    filters: ArticleFilter,
    aliases: AliasTable,
    below: int | None,
    wanted: int,
) -> str | None:
    """A newest-first search page's ids (below the cursor's id) found by walking the newest
    vectors (search_walk.py), as an array literal; None when the words are too rare for the
    walk or it did not find the page (the page is then sorted from every hit)."""
    connection = session.connection()
    # Also for the sort from every hit that follows when the walk is not taken or falls short.
    _, top = connection.exec_driver_sql(
        f"SELECT {SEARCH_MEMORY}, coalesce(max(id), 0) FROM article"
    ).one()
    shares = lexeme_shares(session)
    span = walk_span(query_share(search.tsquery_text, shares) if shares else None, wanted)
    if span is None:
        return None
    base = _apply_filters(session, walk_base(), filters=filters, aliases=aliases)
    if base is None:
        return None
    ceiling = below - 1 if below is not None else int(top)
    found, ids = walk(
        connection, walk_statement(base, search), ceiling=ceiling, span=span, wanted=wanted
    )
    if found < wanted and span < ceiling:
        return None
    return "{" + (ids or "") + "}"


def _id_array(ids: str) -> ColumnElement[Any]:
    """An array literal of ids ('{3,2,1}') as one bound int[] parameter."""
    return sa_cast(bindparam("candidate_ids", ids, Text), ARRAY(Integer))


def _best_candidates(
    search: Search,
    candidates: ColumnElement[Any],
    *,
    after: Sequence[int | float] | None,
    limit: int,
) -> Any:
    """The page's `limit` best candidates after the cursor, as (id, rank) ordered as a relevance
    page is, from the vectors alone: only the page's rows are then read from the wide article
    table. Ranked in an inner query kept apart (OFFSET 0), so that each vector is read once
    even when the cursor's condition tests the rank."""
    ranked = (
        sa_select(VECTORS.c.article_id.label("id"), search.rank(VECTORS.c.vector).label("rank"))
        .where(VECTORS.c.article_id == any_(candidates))
        .offset(0)
        .subquery("ranked")
    )
    best = sa_select(ranked.c.id, ranked.c.rank)
    if after is not None:
        last_rank, last_id = after
        best = best.where(
            or_(ranked.c.rank < last_rank, (ranked.c.rank == last_rank) & (ranked.c.id < last_id))
        )
    return best.order_by(ranked.c.rank.desc(), ranked.c.id.desc()).limit(limit).subquery("best")


def list_articles(
    session: Session,
    *,
    filters: ArticleFilter,
    aliases: AliasTable,
    by_relevance: bool = False,
    after: Sequence[int | float] | None = None,
    limit: int,
    snippets_for: int | None = None,
) -> list[ArticleHit]:
    """Articles matching every filter, newest first, or best hit first (`by_relevance`, with
    `filters.q`). `after` is the last row's key: (id,) newest first, (rank, id) by relevance.
    A search's snippets are made for the first `snippets_for` rows (all when None). Rows of
    SUMMARY_COLUMNS, not ORM objects: a page needs nothing else, and building fifty instances
    of every column was a share of a search's Python time."""
    search = Search(session, filters.q) if filters.q else None
    if search is not None and search.matches_nothing:
        return []
    rank = (search.rank() if search is not None else literal_column("NULL")).label("rank")
    # PostgreSQL: each hit's text comes with its row for the excerpt (services/api/snippets.py);
    # a TOAST pointer until the page's rows are sent, so only those are read.
    texts = search.snippet_source() if search is not None else ()
    query: Any = sa_select(*SUMMARY_COLUMNS, rank, *texts)
    query = _apply_filters(session, query, filters=filters, aliases=aliases)
    if query is None:
        return []
    if search is not None:
        query = search.apply(query)
    if by_relevance and search is not None and search.postgres:
        # Ranking reads each hit's whole vector (kilobytes) and a common word matches a third
        # of the store, so relevance is computed among the newest RANK_CANDIDATES hits: their
        # ids come first, then their vectors are ranked (the in-row copies in article_search)
        # and only the page's article rows are read.
        ids = _newest_hit_ids(session, search, filters=filters, aliases=aliases)
        if ids is None:
            return []
        candidates = _id_array(ids)
        best = _best_candidates(search, candidates, after=after, limit=limit)
        query = (
            sa_select(*SUMMARY_COLUMNS, best.c.rank, *texts)
            .select_from(best)
            .join(Article, col(Article.id) == best.c.id)
            .order_by(best.c.rank.desc(), best.c.id.desc())
        )
    elif by_relevance and search is not None:
        rank_expr = search.rank()
        if after is not None:
            last_rank, last_id = after
            query = query.where(
                or_(rank_expr < last_rank, (rank_expr == last_rank) & (col(Article.id) < last_id))
            )
        query = query.order_by(rank_expr.desc(), col(Article.id).desc())
    else:
        if after is not None:
            query = query.where(col(Article.id) < after[0])
        # A PostgreSQL search is sorted from its hits already: no need to count the range.
        searching = search is not None and search.postgres
        if search is not None and searching:
            below = int(after[0]) if after is not None else None
            walked = _walked_newest(
                session, search, filters=filters, aliases=aliases, below=below, wanted=limit
            )
            if walked is not None:
                query = query.where(col(Article.id) == any_(_id_array(walked)))
        from_range = not searching and _few_published(session, filters)
        query = query.order_by(
            (_unindexed_id() if searching or from_range else col(Article.id)).desc()
        )
    rows = session.execute(query.limit(limit)).all()
    # Excerpts only for the rows shown (a caller asks for one more row to know there is a next
    # page).
    shown = rows[:snippets_for] if snippets_for is not None else rows
    snippets = search.snippets(session, shown) if search else {}
    return [
        ArticleHit(row, float(row.rank) if row.rank is not None else None, snippets.get(row.id))
        for row in rows
    ]


# A list filtered to a published range that holds at most this many articles is sorted from
# the range (read through the published_at index) rather than found by walking the primary key
# back through every newer article: a day in the middle of 100,000 articles was 47,000 rows
# tested, 35 ms (bench/ANALYSIS.md, "Published ranges"). A wider range keeps the walk.
PUBLISHED_RANGE_SORTED = 5000


def _few_published(session: Session, filters: ArticleFilter) -> bool:
    """Whether the published range (if any) holds at most PUBLISHED_RANGE_SORTED articles:
    counted through the index, never past that bound."""
    if filters.published_from is None and filters.published_to is None:
        return False
    in_range: Any = sa_select(literal_column("1")).select_from(Article)
    if filters.published_from is not None:
        in_range = in_range.where(col(Article.published_at) >= filters.published_from)
    if filters.published_to is not None:
        in_range = in_range.where(col(Article.published_at) < filters.published_to)
    probe = in_range.limit(PUBLISHED_RANGE_SORTED + 1).subquery()
    found = session.execute(sa_select(func.count()).select_from(probe)).scalar_one()
    return int(found) <= PUBLISHED_RANGE_SORTED


def _naming(
    table: type[ArticleEntity] | type[FormerMention],
    entity_ids: Sequence[int] | None,
    filters: ArticleFilter,
) -> Any:
    """The ids of the articles `table` links to those entities (or to any of `entity_type`)."""
    mentions = select(table.article_id)
    if entity_ids is not None:
        mentions = mentions.where(col(table.entity_id).in_(entity_ids))
    else:
        # The label copied into the join table: one index walked newest first, instead of
        # every article of every entity with that label collected and sorted.
        mentions = mentions.where(table.label == filters.entity_type)
    if filters.min_salience is not None:
        mentions = mentions.where(table.salience >= filters.min_salience)
    return mentions


def _apply_filters(
    session: Session,
    query: Any,
    *,
    filters: ArticleFilter,
    aliases: AliasTable,
    tombstones: bool = False,
) -> Any:
    """The WHERE clauses every list shares; None when the filters cannot match anything.
    Lists show retracted articles only when asked for; the feed (`tombstones`) keeps their
    events, since a consumer must hear about a retraction."""
    if filters.entity is not None or filters.entity_type is not None:
        ids = None
        if filters.entity is not None:
            ids = resolve_entity_ids(
                session, name=filters.entity, label=filters.entity_type, aliases=aliases
            )
            if not ids:
                return None
        named: ColumnElement[bool] = col(Article.id).in_(_naming(ArticleEntity, ids, filters))
        if tombstones:
            # An article that stopped naming the entity (revised, re-enriched or retracted):
            # its events go where its earlier ones went, so a consumer hears of the change.
            named = or_(named, col(Article.id).in_(_naming(FormerMention, ids, filters)))
        query = query.where(named)
    if filters.source is not None:
        query = query.where(Article.source == filters.source)
    if filters.status is not None:
        query = query.where(Article.status == filters.status)
    elif not tombstones:
        query = query.where(Article.status != ArticleStatus.retracted)
    if filters.published_from is not None:
        query = query.where(col(Article.published_at) >= filters.published_from)
    if filters.published_to is not None:
        query = query.where(col(Article.published_at) < filters.published_to)
    if filters.enriched_since is not None:
        query = query.where(col(Article.enriched_at) >= filters.enriched_since)
    if filters.language is not None:
        # The detected language once enriched, else what the producer said.
        language = filters.language.lower()
        query = query.where(
            func.lower(func.coalesce(Article.detected_language, Article.language)) == language
        )
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
    return query


# The feed lists each article's entities without their mentions (the bulk of the stored JSON).
# PostgreSQL keeps that list as JSON text in `feed_entities`, and the pipeline in
# `feed_pipeline`, both written by a trigger with the enrichment (migration 0018): cutting the
# mentions out per read was most of a page's database time. Elsewhere `entities_without_mentions`
# does it (both answer `mentions: []`).
_PG_FEED_COLUMNS = (
    literal_column(f"article.{FEED_COLUMNS[0]}", Text).label("feed_entities"),
    literal_column(f"article.{FEED_COLUMNS[1]}", JSONB).label("feed_pipeline"),
)


# The columns an article summary shows (records.summary_dict). The feed selects these rather
# than ORM objects: building a hundred instances (with every column) cost more than its query.
SUMMARY_COLUMNS: tuple[Any, ...] = tuple(
    col(c)
    for c in (
        Article.id,
        Article.status,
        Article.source,
        Article.external_id,
        Article.title,
        Article.url,
        Article.published_at,
        Article.created_at,
        Article.enriched_at,
        Article.feed_seq,
        Article.revision,
        Article.revised_at,
        Article.syndication_group,
        Article.detected_language,
        Article.language,
        Article.error,
        Article.quality,
    )
)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed event with the article as it stands now (its latest revision): `article` is a
    row of SUMMARY_COLUMNS. On PostgreSQL `entities` is the JSON text the database built, passed
    through as an orjson.Fragment: parsing it only to serialize it again was half of a page's
    time."""

    position: int
    kind: str
    cause: str
    revision: int
    article: Any
    entities: list[dict[str, Any]] | orjson.Fragment
    pipeline: dict[str, str] | None


def feed_page(
    session: Session,
    *,
    after: int,
    limit: int,
    filters: ArticleFilter | None = None,
    aliases: AliasTable | None = None,
) -> list[FeedEntry]:
    """Feed events after position `after`, in position order, each with its article (as it
    stands now) and the article's entities (no mentions). The one feed query: /v1/feed,
    /v1/stream and webhook deliveries are all views of it, so they follow the same positions
    and the same filters (article filters apply to the event's article)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    extra: tuple[Any, Any]
    if postgres:
        extra = _PG_FEED_COLUMNS
    else:
        extra = (col(Article.enrichment).label("feed_entities"), literal_column("NULL"))
    query: Any = (
        sa_select(
            col(FeedEvent.position),
            col(FeedEvent.kind),
            col(FeedEvent.cause),
            col(FeedEvent.revision).label("event_revision"),
            *SUMMARY_COLUMNS,
            *extra,
        )
        .join(Article, col(Article.id) == FeedEvent.article_id)
        .where(col(FeedEvent.position) > after)
    )
    if filters is not None and filters.events is not None:
        query = query.where(col(FeedEvent.kind).in_(sorted(filters.events)))
    if filters is not None and filters != ArticleFilter(events=filters.events):
        search = Search(session, filters.q) if filters.q else None
        if search is not None and search.matches_nothing:
            return []
        query = _apply_filters(
            session, query, filters=filters, aliases=aliases or AliasTable({}), tombstones=True
        )
        if query is None:
            return []
        if search is not None:
            query = search.apply(query)
    rows = session.execute(query.order_by(col(FeedEvent.position)).limit(limit)).all()
    entries = []
    for row in rows:
        entities: list[dict[str, Any]] | orjson.Fragment
        if postgres:
            entities, pipeline = orjson.Fragment(row[-2] or "[]"), row[-1]
        else:
            stored = row[-2] or {}
            entities = entities_without_mentions(stored.get(stored_field("entities"), []))
            pipeline = stored.get("pipeline")
        entries.append(
            FeedEntry(
                row.position, row.kind, row.cause, row.event_revision, row, entities, pipeline
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
    query = select(Entity).where(Entity.article_count > 0, col(Entity.merged_into).is_(None))
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


# An article record without entity mentions or the extracted source text: PostgreSQL strips them
# before sending the row (they can be most of its bytes).
# Only an object has keys to drop: a tombstone's (or a never-enriched article's) enrichment may
# be a JSON null, and `null - 'key'` is an error.
_PG_SLIM_ENRICHMENT = literal_column(
    "CASE WHEN jsonb_typeof(article.enrichment) = 'object' THEN "
    "(article.enrichment - 'source_text' - 'entities') || jsonb_build_object('entities', "
    "(SELECT coalesce(jsonb_agg(e - 'mentions' ORDER BY i), '[]'::jsonb) "
    "FROM jsonb_array_elements(article.enrichment -> 'entities') WITH ORDINALITY AS t(e, i))) "
    "END",
    JSONB,
)


def load_article(
    session: Session, article_id: int, *, with_raw: bool, slim: bool
) -> tuple[Article, dict[str, Any]] | None:
    """One article and its stored enrichment; `slim` drops mentions and source text (on
    PostgreSQL in the database), `with_raw` loads the submitted body."""
    options = [] if with_raw else [_deferred(Article.raw)]
    if slim and session.get_bind().dialect.name == "postgresql":
        query = select(Article, _PG_SLIM_ENRICHMENT).options(
            *options, _deferred(Article.enrichment)
        )
        row = session.exec(query.where(Article.id == article_id)).one_or_none()
        if row is None:
            return None
        article, enrichment = row
        return article, enrichment or {}
    found = session.exec(
        select(Article).options(*options).where(Article.id == article_id)
    ).one_or_none()
    if found is None:
        return None
    return found, found.enrichment or {}


def entity_corrections(session: Session, entity_id: int) -> Sequence[EntityCorrection]:
    """Editors' merges and splits involving the entity, oldest first."""
    query = (
        select(EntityCorrection)
        .where(
            or_(
                col(EntityCorrection.entity_id) == entity_id,
                col(EntityCorrection.other_id) == entity_id,
            )
        )
        .order_by(col(EntityCorrection.id))
    )
    return session.exec(query).all()


def entity_articles(
    session: Session, entity_id: int, *, limit: int
) -> list[tuple[Article, ArticleEntity]]:
    """The most recently stored articles mentioning an entity (index on entity_id, article_id)."""
    rows = session.exec(
        select(Article, ArticleEntity)
        .options(*_SUMMARY_ONLY)
        .join(ArticleEntity, col(ArticleEntity.article_id) == Article.id)
        .where(ArticleEntity.entity_id == entity_id)
        .order_by(col(ArticleEntity.article_id).desc())
        .limit(limit)
    ).all()
    return [(a, link) for a, link in rows]


def list_sources(session: Session) -> list[dict[str, Any]]:
    """Every source with its article counts and latest dates."""
    enriched = func.count().filter(col(Article.status) == ArticleStatus.enriched)
    rows = session.execute(
        sa_select(  # five columns: more than sqlmodel's select() is typed for
            col(Article.source),
            func.count().label("articles"),
            enriched.label("enriched"),
            func.max(Article.published_at).label("last_published_at"),
            func.max(Article.enriched_at).label("last_enriched_at"),
        )
        .group_by(Article.source)
        .order_by(func.count().desc(), col(Article.source))
    ).all()
    return [dict(r._mapping) for r in rows]
