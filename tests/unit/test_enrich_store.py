"""services/enrich/store.py on a real SQLite file: attempts counted once per delivery, failures
never overwrite a result, a result is stored once with its feed position, entities and aliases."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.enrich.identity import PipelineIdentity
from services.enrich.pipeline.document import EnrichedDocument, EntityGroup
from services.enrich.store import claim_attempt, mark_failed, save_enriched
from services.ingest.store import store_articles
from shared.models import Article, ArticleEntity, ArticleStatus, Entity, EntityAlias
from shared.schemas import ArticleIn, Enrichment
from tests.support.enrichment import enriched_document, mention

TEXT = "Vladimir Putin met Olaf Scholz. Putin left."


def stored(engine: Engine, text: str = TEXT) -> int:
    with Session(engine) as session:
        [result] = store_articles(session=session, items=[ArticleIn.model_validate({"text": text})])
    return result.id


IDENTITY = PipelineIdentity("test", "model", "1", "rules", "aliases")


def once(session: Session, article_id: int) -> dict[str, Any]:
    """The arguments naming the article's first revision and the pipeline that produced it."""
    return {"session": session, "article_id": article_id, "revision": 1, "identity": IDENTITY}


def putin_and_scholz() -> EnrichedDocument:
    putin = EntityGroup("Vladimir Putin", "PERSON", [mention("Vladimir Putin", 0)], 0.9)
    putin.mentions.append(mention("Putin", TEXT.index("Putin left")))
    scholz = EntityGroup("Olaf Scholz", "PERSON", [mention("Olaf Scholz", 19)], 0.5)
    return enriched_document(TEXT, putin, scholz)


def test_claim_counts_one_attempt_per_delivery(engine: Engine) -> None:
    article_id = stored(engine)
    with Session(engine) as session:
        first = claim_attempt(session=session, article_id=article_id)
    with Session(engine) as session:
        second = claim_attempt(session=session, article_id=article_id)
    assert first is not None and second is not None
    assert (first.attempts, second.attempts) == (1, 2)
    assert (second.status, second.raw, second.content_type) == (ArticleStatus.pending, TEXT, "text")


def test_claim_of_a_missing_article_is_none(engine: Engine) -> None:
    with Session(engine) as session:
        assert claim_attempt(session=session, article_id=999) is None


def test_result_is_stored_once_with_the_next_feed_position(engine: Engine) -> None:
    first, second = stored(engine), stored(engine, "Another story about Olaf Scholz.")
    with Session(engine) as session:
        assert save_enriched(**once(session, first), enriched=putin_and_scholz()) == 1
    with Session(engine) as session:
        # A redelivered task finds the result stored and changes nothing.
        assert save_enriched(**once(session, first), enriched=putin_and_scholz()) is None
    with Session(engine) as session:
        assert save_enriched(**once(session, second), enriched=putin_and_scholz()) == 2
    with Session(engine) as session:
        article = session.get_one(Article, first)
        assert (article.status, article.feed_seq, article.clean_text) == ("enriched", 1, TEXT)
        record = Enrichment.model_validate(article.enrichment)
        assert [e.name for e in record.entities] == ["Vladimir Putin", "Olaf Scholz"]
        assert record.entities[0].aliases == ["Putin", "Vladimir Putin"]
        assert all(e.id for e in record.entities)
        # Each entity counted once per article, however often the result was delivered.
        counts = {e.name: e.article_count for e in session.exec(select(Entity))}
        assert counts == {"Vladimir Putin": 2, "Olaf Scholz": 2}
        links = session.exec(select(ArticleEntity).where(ArticleEntity.article_id == first)).all()
        assert sorted(link.mention_count for link in links) == [1, 2]
        aliases = {a.alias_key for a in session.exec(select(EntityAlias))}
        assert {"putin", "vladimir putin", "olaf scholz"} <= aliases


def test_a_failure_never_overwrites_a_result(engine: Engine) -> None:
    done, broken = stored(engine), stored(engine, "A story that breaks the pipeline.")
    with Session(engine) as session:
        save_enriched(**once(session, done), enriched=enriched_document(TEXT))
    with Session(engine) as session:
        assert mark_failed(session=session, article_id=done, error="late failure") is False
        assert mark_failed(session=session, article_id=broken, error="x" * 5000) is True
    with Session(engine) as session:
        assert session.get_one(Article, done).status == ArticleStatus.enriched
        failed = session.get_one(Article, broken)
        assert failed.status == ArticleStatus.failed
        assert failed.error is not None and len(failed.error) == 4000
    with Session(engine) as session:
        claim = claim_attempt(session=session, article_id=broken)
        # A final article's attempts are not counted again.
        assert claim is not None and (claim.status, claim.attempts) == (ArticleStatus.failed, 0)
