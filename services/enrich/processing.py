"""One delivery of one article: claim an attempt, run the pipeline, store the result.

Every step tolerates being run twice: a redelivered task finds the article enriched and stops,
and an article that keeps killing its worker ends `failed` once its attempts run out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.store import Claim, claim_attempt, mark_failed, save_enriched
from shared.models import ArticleStatus

log = logging.getLogger("wirefeed.enrich")


class Outcome(StrEnum):
    enriched = "enriched"
    failed = "failed"
    duplicate = "duplicate"  # already final: a redelivery, logged and dropped
    missing = "missing"


def process_article(
    *,
    article_id: int,
    engine: Engine,
    config: PipelineConfig,
    max_attempts: int,
    retries: int = 0,
    after_claim: Callable[[Claim], None] | None = None,
) -> Outcome:
    """`retries`: how many times this task was retried for a database error. Such a delivery may
    have counted its attempt before the database went away; it was not lost to a dying worker,
    so it does not count against `max_attempts` (retries are bounded on their own)."""
    with Session(engine) as session:
        claim = claim_attempt(session=session, article_id=article_id)
    if claim is None:
        log.error("article not found", extra={"article_id": article_id})
        return Outcome.missing
    if claim.status in (ArticleStatus.enriched, ArticleStatus.failed):
        log.info(
            "duplicate delivery ignored: article already final",
            extra={"article_id": article_id, "status": claim.status},
        )
        return Outcome.duplicate
    if claim.attempts - retries > max_attempts:
        error = (
            f"gave up after {max_attempts} attempts: the worker died or was stopped while "
            "enriching this article each time"
        )
        _fail(engine, article_id, error)
        return Outcome.failed
    # One line per delivery, so a redelivered task shows up as a second "started" for the id.
    log.info("enrich attempt started", extra={"article_id": article_id, "attempt": claim.attempts})
    if after_claim is not None:  # fault-injection hook (tests only; see wirefeed/testing.py)
        after_claim(claim)

    document = SubmittedDocument(
        text=claim.raw if claim.content_type == "text" else None,
        html=claim.raw if claim.content_type == "html" else None,
        title=claim.title,
        source=claim.source,
        language=claim.language,
    )
    try:
        enriched = enrich(document, config)
    except Exception as exc:  # the pipeline is deterministic: retrying would fail the same way
        log.exception("pipeline failed", extra={"article_id": article_id})
        _fail(engine, article_id, f"{type(exc).__name__}: {exc}")
        return Outcome.failed

    with Session(engine) as session:
        seq = save_enriched(session=session, article_id=article_id, enriched=enriched)
    if seq is None:
        log.info(
            "duplicate delivery: result already stored by another delivery",
            extra={"article_id": article_id},
        )
        return Outcome.duplicate
    log.info(
        "article enriched",
        extra={
            "article_id": article_id,
            "feed_seq": seq,
            "attempt": claim.attempts,
            "entities": len(enriched.entities),
            "removals": len(enriched.removals),
        },
    )
    return Outcome.enriched


def _fail(engine: Engine, article_id: int, error: str) -> None:
    with Session(engine) as session:
        mark_failed(session=session, article_id=article_id, error=error)
    log.warning("article failed", extra={"article_id": article_id, "error": error})
