"""services/enrich/processing.py: one delivery of one article, run directly (no worker process)
on a real SQLite file with the real pipeline."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from services.enrich.identity import PipelineIdentity
from services.enrich.pipeline import PipelineConfig
from services.enrich.processing import Outcome, process_article
from services.enrich.store import Claim
from services.ingest.store import store_articles
from shared.models import Article, ArticleStatus
from shared.schemas import ArticleIn, Enrichment

IDENTITY = PipelineIdentity("test", "model", "1", "rules", "aliases")
TEXT = "Angela Merkel visited Paris on Monday.\nRead also| An unrelated headline"


def stored(engine: Engine, **fields: str) -> int:
    with Session(engine) as session:
        [result] = store_articles(
            session=session, items=[ArticleIn.model_validate(fields or {"text": TEXT})]
        )
    return result.id


def run(
    engine: Engine,
    config: PipelineConfig,
    article_id: int,
    *,
    retries: int = 0,
    after_claim: Callable[[Claim], None] | None = None,
) -> Outcome:
    return process_article(
        article_id=article_id,
        engine=engine,
        config=config,
        identity=IDENTITY,
        max_attempts=3,
        retries=retries,
        after_claim=after_claim,
    )


def article(engine: Engine, article_id: int) -> Article:
    with Session(engine) as session:
        return session.get_one(Article, article_id)


def set_attempts(engine: Engine, article_id: int, attempts: int) -> None:
    with Session(engine) as session:
        session.exec(update(Article).where(col(Article.id) == article_id).values(attempts=attempts))
        session.commit()


def test_an_article_is_enriched_and_stored(engine: Engine, pipeline_config: PipelineConfig) -> None:
    article_id = stored(engine)
    assert run(engine, pipeline_config, article_id) is Outcome.enriched
    row = article(engine, article_id)
    assert (row.status, row.attempts, row.feed_seq) == (ArticleStatus.enriched, 1, 1)
    assert row.clean_text == "Angela Merkel visited Paris on Monday."
    record = Enrichment.model_validate(row.enrichment)
    assert {(e.name, e.label) for e in record.entities} >= {("Angela Merkel", "PERSON")}
    assert [r.text for r in record.removals] == ["Read also| An unrelated headline"]


def test_a_redelivery_of_a_final_article_is_a_duplicate(
    engine: Engine, pipeline_config: PipelineConfig
) -> None:
    article_id = stored(engine)
    run(engine, pipeline_config, article_id)
    assert run(engine, pipeline_config, article_id) is Outcome.duplicate
    assert article(engine, article_id).attempts == 1  # a final article's attempts stay


def test_a_missing_article_is_reported_missing(
    engine: Engine, pipeline_config: PipelineConfig
) -> None:
    assert run(engine, pipeline_config, 12345) is Outcome.missing


def test_a_pipeline_error_fails_the_article_at_once(
    engine: Engine, pipeline_config: PipelineConfig
) -> None:
    article_id = stored(engine, html="<html><body><script>1</script></body></html>")
    assert run(engine, pipeline_config, article_id) is Outcome.failed
    row = article(engine, article_id)
    assert row.status == ArticleStatus.failed
    assert row.error is not None and row.error.startswith("ExtractionError:")


def test_an_article_that_keeps_killing_workers_ends_failed(
    engine: Engine, pipeline_config: PipelineConfig
) -> None:
    article_id = stored(engine)
    set_attempts(engine, article_id, 3)  # three deliveries died mid-task already
    assert run(engine, pipeline_config, article_id) is Outcome.failed
    row = article(engine, article_id)
    assert row.error is not None and "gave up after 3 attempts" in row.error


def test_database_retries_do_not_count_as_lost_deliveries(
    engine: Engine, pipeline_config: PipelineConfig
) -> None:
    article_id = stored(engine)
    set_attempts(engine, article_id, 3)
    assert run(engine, pipeline_config, article_id, retries=1) is Outcome.enriched


def test_the_after_claim_hook_sees_the_claim_before_the_pipeline_runs(
    engine: Engine, pipeline_config: PipelineConfig
) -> None:
    article_id = stored(engine)
    seen: list[Claim] = []
    run(engine, pipeline_config, article_id, after_claim=seen.append)
    assert [(c.article_id, c.attempts, c.raw) for c in seen] == [(article_id, 1, TEXT)]
