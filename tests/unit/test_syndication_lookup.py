"""The syndication lookup never loads whole rows, not even of real cross-source copies: a story
its own source sent many times shares bands with every earlier copy, and loading each of those
rows (text and stored enrichment) grew a worker's memory with every copy (bench/ANALYSIS.md);
grouping needs only their ids, groups and dates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from services.enrich.syndication import link_syndication
from shared.models import Article, ArticleStatus

STORY = (
    "The port authority said on Monday that container traffic rose for a third month as "
    "shipping lines returned to routes they had abandoned during the strike last spring. "
    "Dock workers in the northern terminal said the overtime had been welcome after a lean "
    "year, and the authority expects volumes to stay high until the new year holidays."
)


def _enriched(session: Session, key: str, source: str) -> Article:
    article = Article(
        dedupe_key=key, content_type="text", raw=STORY, source=source, clean_text=STORY
    )
    session.add(article)
    session.flush()
    link_syndication(session, article, STORY)
    article.status = ArticleStatus.enriched
    session.add(article)
    session.commit()
    return article


def test_copies_from_the_same_source_are_not_loaded(engine: Engine) -> None:
    with Session(engine) as session:
        for n in range(5):
            _enriched(session, f"ext:wire-a\x1f{n}", "wire-a")
    loaded: list[Any] = []
    with Session(engine) as session:
        event.listen(session, "loaded_as_persistent", lambda _s, obj: loaded.append(obj))
        again = _enriched(session, "ext:wire-a\x1f5", "wire-a")
        assert again.syndication_group is None
        assert loaded == []
        copy = _enriched(session, "ext:outlet-b\x1f1", "outlet-b")
        # The copy from another source joins the group of the earliest, which every copy of
        # the first source joins too, from their columns alone.
        first = session.exec(select(func.min(Article.id))).one()
        assert copy.syndication_group == first
        groups = session.exec(select(Article.syndication_group).order_by(col(Article.id)))
        assert list(groups) == [first] * 7
        assert loaded == []
