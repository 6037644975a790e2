"""Lists filtered to a published range: a narrow range is sorted from the range itself, a wide
one found by walking the primary key (services/api/queries.py `_few_published`). Both ways must
give the same articles in the same order (newest id first) across cursor pages, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from services.api import queries
from services.api.queries import ArticleFilter, list_articles
from shared.aliases import AliasTable
from shared.db import make_engine
from shared.models import Article, ArticleStatus
from tests.support.services import Backend
from tests.support.stack import reset_store, store_rows

START = datetime(2025, 3, 1, tzinfo=UTC)
ARTICLES = 60


def _published(i: int) -> datetime:
    # Mostly in id order, with a few late arrivals: a published range is no id range.
    return START + timedelta(hours=i if i % 9 else i - 30)


@pytest.fixture(scope="module")
def engine(backend: Backend) -> Iterator[Engine]:
    engine = make_engine(backend.database_url)
    store_rows(
        engine,
        (
            Article(
                dedupe_key=f"ext:published\x1f{i}",
                content_type="text",
                raw=f"article {i}",
                clean_text=f"article {i}",
                source="published",
                published_at=_published(i),
                status=ArticleStatus.retracted if i == 40 else ArticleStatus.enriched,
            )
            for i in range(1, ARTICLES + 1)
        ),
    )
    yield engine
    reset_store(engine)
    engine.dispose()


def _all_pages(engine: Engine, filters: ArticleFilter) -> list[int]:
    seen: list[int] = []
    after: tuple[int] | None = None
    with Session(engine) as session:
        while True:
            hits = list_articles(
                session, filters=filters, aliases=AliasTable({}), after=after, limit=4
            )
            seen += [h.article.id or 0 for h in hits]
            if len(hits) < 4:
                return seen
            after = (hits[-1].article.id or 0,)


@pytest.mark.parametrize("sorted_up_to", [0, 1000], ids=["walked", "sorted"])
@pytest.mark.parametrize(
    ("hours_from", "hours_to"), [(20, 45), (None, 12), (50, None), (1000, 2000)]
)
def test_a_published_range_lists_the_same_articles_either_way(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    sorted_up_to: int,
    hours_from: int | None,
    hours_to: int | None,
) -> None:
    monkeypatch.setattr(queries, "PUBLISHED_RANGE_SORTED", sorted_up_to)
    since = START + timedelta(hours=hours_from) if hours_from is not None else None
    until = START + timedelta(hours=hours_to) if hours_to is not None else None
    expected = sorted(
        (
            i
            for i in range(1, ARTICLES + 1)
            if i != 40  # retracted: lists leave it out
            and (since is None or _published(i) >= since)
            and (until is None or _published(i) < until)
        ),
        reverse=True,
    )
    with Session(engine) as session:
        ids = {a.dedupe_key: a.id for a in session.exec(select(Article))}
    expected_ids = [ids[f"ext:published\x1f{i}"] for i in expected]
    filters = ArticleFilter(published_from=since, published_to=until)
    assert _all_pages(engine, filters) == expected_ids
