"""Relevance search on PostgreSQL ranks the newest RANK_CANDIDATES hits, gathered window by window
of ids (services/api/queries.py `_newest_hit_ids`). With a small candidate count the windows are
exercised on a small store: dense, sparse, phrase and old-only hits must give exactly the newest
hits, ranked as one query over them would rank them, across cursor pages; also when the newest
ids are walked first (services/api/search_walk.py) and the windows go on below the walk, and
for newest-first pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from services.api import hit_density, queries
from services.api.queries import ArticleFilter, list_articles
from shared.aliases import AliasTable
from shared.db import make_engine
from shared.models import Article, ArticleStatus
from tests.support.services import Backend
from tests.support.stack import reset_store, store_rows

ARTICLES = 120
CANDIDATES = 6


def _body(i: int) -> str:
    words = ["filler text about the weather"]
    if i % 2 == 0:
        words.append("alpha " * (1 + i % 5))  # dense, with varying rank
    if i <= 3:
        words.append("beta")  # only the oldest: every window until the table's end
    if i % 7 == 0:
        words.append("gamma delta")
    elif i % 3 == 0:
        words.append("delta gamma")  # the words, not the phrase
    return " ".join(words)


@pytest.fixture(scope="module")
def engine(backend: Backend) -> Iterator[Engine]:
    if not backend.database_url.startswith("postgresql"):
        pytest.skip("the candidate windows are PostgreSQL's (SQLite ranks every hit with bm25)")
    engine = make_engine(backend.database_url)
    store_rows(
        engine,
        (
            Article(
                dedupe_key=f"ext:windows\x1f{i}",
                content_type="text",
                raw=_body(i),
                clean_text=_body(i),
                title=f"article {i}",
                source="windows",
                # one of the newest dense hits is a tombstone: never a candidate
                status=ArticleStatus.retracted if i == ARTICLES else ArticleStatus.enriched,
            )
            for i in range(1, ARTICLES + 1)
        ),
    )
    with engine.connect() as connection:
        # The planner's lexeme statistics, from which a search without filters sizes its first
        # window (services/api/hit_density.py).
        connection.execute(text("ANALYZE article"))
        connection.commit()
    yield engine
    reset_store(engine)
    engine.dispose()


def _expected(engine: Engine, q: str) -> list[int]:
    """One query over the newest CANDIDATES hits, best first."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "WITH q AS (SELECT websearch_to_tsquery('english', :q) AS tsq), "
                "newest AS (SELECT id, search_vector FROM article, q "
                "WHERE search_vector @@ q.tsq AND status <> 'retracted' "
                "ORDER BY id DESC LIMIT :n) "
                "SELECT id FROM newest, q "
                "ORDER BY ts_rank(search_vector, q.tsq)::float8 DESC, id DESC"
            ),
            {"q": q, "n": CANDIDATES},
        )
        return [int(r[0]) for r in rows]


def _walk_only(span: int) -> object:
    """A walk_span stand-in: every search walks the newest `span` ids first, then no further."""
    return lambda share, wanted, walked=0: span if walked == 0 else None


@pytest.mark.parametrize("sized_by", ["statistics", "default window", "walk, then windows"])
@pytest.mark.parametrize(
    "q", ["alpha", "beta", '"gamma delta"', "alpha OR beta", "gamma -alpha", "nothingmatches"]
)
def test_ranks_exactly_the_newest_hits_across_pages(
    engine: Engine, q: str, sized_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "RANK_CANDIDATES", CANDIDATES)
    if sized_by == "statistics":
        monkeypatch.setattr(hit_density, "_CACHE", hit_density._Cache())  # read them afresh
        with Session(engine) as session:
            assert hit_density.lexeme_shares(session) is not None
    elif sized_by == "default window":
        monkeypatch.setattr(queries, "lexeme_shares", lambda session: None)
    else:
        monkeypatch.setattr(queries, "walk_span", _walk_only(10))
    expected = _expected(engine, q)
    seen: list[int] = []
    after: tuple[float, int] | None = None
    with Session(engine) as session:
        while True:
            hits = list_articles(
                session,
                filters=ArticleFilter(q=q),
                aliases=AliasTable({}),
                by_relevance=True,
                after=after,
                limit=3,
            )
            seen += [h.article.id or 0 for h in hits]
            if len(hits) < 3:
                break
            after = (hits[-1].rank or 0.0, hits[-1].article.id or 0)
    assert seen == expected
    if q == "beta":  # found only once the windows reach the start of the table
        assert sorted(seen) == [1, 2, 3]


@pytest.mark.parametrize("walk_ids", [None, 10, 1000], ids=["sorted", "walk short", "walk"])
@pytest.mark.parametrize("q", ["alpha", "beta", '"gamma delta"', "gamma -alpha"])
def test_newest_first_pages_are_the_newest_hits(
    engine: Engine, q: str, walk_ids: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None: sorted from every hit; 10: a walk too short for the page, then the sort; 1000: the
    # walk covers the store.
    monkeypatch.setattr(queries, "walk_span", lambda share, wanted, walked=0: walk_ids)
    with engine.connect() as connection:
        expected = [
            int(r[0])
            for r in connection.execute(
                text(
                    "SELECT id FROM article WHERE search_vector @@ "
                    "websearch_to_tsquery('english', :q) AND status <> 'retracted' "
                    "AND source = 'windows' ORDER BY id DESC"
                ),
                {"q": q},
            )
        ]
    seen: list[int] = []
    after: tuple[int] | None = None
    with Session(engine) as session:
        while True:
            hits = list_articles(
                session,
                filters=ArticleFilter(q=q, source="windows"),
                aliases=AliasTable({}),
                after=after,
                limit=4,
            )
            seen += [h.article.id or 0 for h in hits]
            if len(hits) < 4:
                break
            after = (hits[-1].article.id or 0,)
    assert seen == expected
