"""services/ingest/store.py on a real SQLite file: one row per article, duplicates found by the
producer's id or by content, in order, and the stored status of what was already there."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.ingest.store import Stored, dedupe_key, store_articles
from shared.models import Article, ArticleStatus
from shared.schemas import ArticleIn


def article(**fields: object) -> ArticleIn:
    return ArticleIn.model_validate(fields)


def store(engine: Engine, *items: ArticleIn) -> list[Stored]:
    with Session(engine) as session:
        return store_articles(session=session, items=list(items))


def rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Article)).one()


def test_new_articles_are_stored_pending_in_order(engine: Engine) -> None:
    first, second = store(engine, article(text="One story."), article(html="<p>Another.</p>"))
    assert (first.status, first.duplicate) == (ArticleStatus.pending, False)
    assert second.id > first.id
    with Session(engine) as session:
        stored = session.get(Article, second.id)
        assert stored is not None
        assert (stored.content_type, stored.raw) == ("html", "<p>Another.</p>")


def test_same_producer_id_with_new_text_is_a_revision_of_the_same_article(engine: Engine) -> None:
    [original] = store(engine, article(text="First version.", source="wire", external_id="a1"))
    [same] = store(engine, article(text="First version.", source="wire", external_id="a1"))
    assert same == Stored(original.id, ArticleStatus.pending, duplicate=True)
    [edited] = store(engine, article(text="Edited version.", source="wire", external_id="a1"))
    assert (edited.id, edited.duplicate, edited.revision) == (original.id, False, 2)
    [other_source] = store(engine, article(text="First version.", source="other", external_id="a1"))
    assert not other_source.duplicate
    assert rows(engine) == 2


def test_same_text_without_an_id_is_a_duplicate_even_spaced_differently(engine: Engine) -> None:
    [original] = store(engine, article(text="Rain in  Lisbon.\nMore rain."))
    [again] = store(engine, article(text="Rain in Lisbon. More   rain. "))
    assert again.id == original.id and again.duplicate
    # The same words as HTML are another article: the key names the kind of body.
    [as_html] = store(engine, article(html="Rain in Lisbon. More rain."))
    assert not as_html.duplicate


def test_one_key_twice_in_one_batch_makes_one_row(engine: Engine) -> None:
    results = store(
        engine,
        article(text="Same.", source="s", external_id="x"),
        article(text="Other.", source="s", external_id="y"),
        article(text="Same.", source="s", external_id="x"),
    )
    assert [r.duplicate for r in results] == [False, False, True]
    assert results[0].id == results[2].id
    assert rows(engine) == 2


def test_a_duplicate_reports_the_stored_articles_current_status(engine: Engine) -> None:
    [original] = store(engine, article(text="Done already.", source="s", external_id="z"))
    with Session(engine) as session:
        session.exec(
            update(Article)
            .where(col(Article.id) == original.id)
            .values(status=ArticleStatus.enriched)
        )
        session.commit()
    [again] = store(engine, article(text="Done already.", source="s", external_id="z"))
    assert again.status is ArticleStatus.enriched and again.duplicate


def test_dedupe_key_prefers_the_producer_id() -> None:
    assert dedupe_key(article(text="x", source="s", external_id="1")) == "ext:s\x1f1"
    assert dedupe_key(article(text="x")).startswith("sha:text:")
