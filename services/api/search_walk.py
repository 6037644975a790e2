"""The newest hits of a search whose words are common, found by walking the newest vectors.

A PostgreSQL search otherwise finds its hits through the GIN index, ANDed with an id range
(queries._newest_hit_ids). That bitmap holds every row with the word, whatever the range: at
1,000,000 articles "minister" (a third of the store) cost ~85 ms a search, its phrase ~75 ms,
and a newest-first search filtered to one source over a second (bench/ANALYSIS.md, "Search at
a million articles"). When the words are common, the newest hits are near the top of the
store: walking `article_search` (each vector kept in its row, migration 0019) backwards from the
newest id, joined to the article for the filters, finds the 1,000 newest hits of a word in a
third of the rows in ~7 ms, and stops once it has them.

The walk is bounded (WALK_IDS ids in all): the words' share of the store is only an upper bound
(a phrase is rarer than either word, an OR of two words shares rows), and a filter may be rare
too. A walk that falls short goes on down while the density it saw says the rest is within
the bound; what it did not find, the caller looks for below the walked range the usual way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, bindparam, func
from sqlalchemy import cast as sa_cast
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import col

from services.api.search import VECTORS, Search
from shared.models import Article

# Ids walked at most: ~20-30 ms of vectors tested, about what the index costs a rare word.
WALK_IDS = 20_000
# The walk is taken when the words' share of the store says it holds this many times the hits
# wanted (the share is an upper bound: a phrase's is its rarer word's).
WALK_MARGIN = 1.5


def walk_span(share: float | None, wanted: int, *, walked: int = 0) -> int | None:
    """How many more of the newest ids to walk for `wanted` more hits of words with this share
    of the store (or this density of hits seen so far), or None when the walk would not find
    them within WALK_IDS ids in all (`walked`: ids walked already)."""
    if share is None or share <= 0:
        return None
    span = int(wanted / share * WALK_MARGIN) + 1
    return span if walked + span <= WALK_IDS else None


def walk_statement(filtered: Any, search: Search) -> Any:
    """(count, ids as text 'id,id,...') of the newest hits in (:floor, :ceiling], at most
    :wanted of them, newest first. `filtered`: a select of VECTORS joined to Article with the
    list's filters applied (queries._apply_filters)."""
    hits = (
        filtered.where(
            VECTORS.c.vector.op("@@")(search.tsquery()),
            VECTORS.c.article_id <= bindparam("ceiling"),
            VECTORS.c.article_id > bindparam("floor"),
        )
        .order_by(VECTORS.c.article_id.desc())
        .limit(bindparam("wanted"))
        .subquery()
    )
    return sa_select(func.count(), func.string_agg(sa_cast(hits.c.id, Text), ","))


def walk_base() -> Any:
    """The walk's select before filters: each vector's article id, joined to its article."""
    return sa_select(VECTORS.c.article_id.label("id")).select_from(
        VECTORS.join(Article.__table__, col(Article.id) == VECTORS.c.article_id)  # type: ignore[attr-defined]
    )


def walk(
    connection: Connection, statement: Any, *, ceiling: int, span: int, wanted: int
) -> tuple[int, str | None]:
    """Run a walk_statement over the `span` ids at and below `ceiling`."""
    bounds = {"ceiling": ceiling, "floor": max(ceiling - span, 0), "wanted": wanted}
    count, ids = connection.execute(statement, bounds).one()
    return int(count), ids
