"""One delivery of one article: claim an attempt, run the pipeline, store the result.

Every step tolerates being run twice: a redelivered task finds the article enriched and stops,
and an article that keeps killing its worker ends `failed` once its attempts run out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from billiard.exceptions import SoftTimeLimitExceeded
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.enrich.entity_links import DEFAULT_LINK_POLICY, LinkPolicy
from services.enrich.identity import PipelineIdentity
from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.store import (
    Claim,
    claim_attempt,
    mark_failed,
    mark_revision_failed,
    pending_revisions,
    save_enriched,
)
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
    identity: PipelineIdentity,
    max_attempts: int,
    retries: int = 0,
    after_claim: Callable[[Claim], None] | None = None,
    policy: LinkPolicy = DEFAULT_LINK_POLICY,
) -> Outcome:
    """`retries`: how many times this task was retried for a database error. Such a delivery may
    have counted its attempt before the database went away; it was not lost to a dying worker,
    so it does not count against `max_attempts` (retries are bounded on their own)."""
    with Session(engine) as session:
        claim = claim_attempt(session=session, article_id=article_id)
    if claim is None:
        log.error("article not found", extra={"article_id": article_id})
        return Outcome.missing
    if claim.status in (ArticleStatus.enriched, ArticleStatus.failed, ArticleStatus.retracted):
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
        _fail(engine, article_id, error, claim.revision)
        return Outcome.failed
    # One line per delivery, so a redelivered task shows up as a second "started" for the id.
    log.info("enrich attempt started", extra={"article_id": article_id, "attempt": claim.attempts})
    if after_claim is not None:  # fault-injection hook (tests only; see wirefeed/testing.py)
        after_claim(claim)

    # Read after the claim's commit, not by the claim statement: a revision posted between the
    # two must still be enriched before this one. Checking inside the claim let revision 5's
    # event precede revision 4's under ten concurrent revisions
    # (test_ten_concurrent_revisions_serialise).
    with Session(engine) as session:
        earlier = pending_revisions(session=session, article_id=article_id)
    for revision in earlier:  # superseded before they were enriched: in order, before this one
        _enrich_archived(engine, config, identity, revision, policy)

    document = submitted_document(claim)
    try:
        enriched = enrich(document, config)
    except SoftTimeLimitExceeded:
        raise  # the task knows the limit and writes the reason
    except Exception as exc:  # the pipeline is deterministic: retrying would fail the same way
        log.exception("pipeline failed", extra={"article_id": article_id})
        _fail(engine, article_id, f"{type(exc).__name__}: {exc}", claim.revision)
        return Outcome.failed

    with Session(engine) as session:
        seq = save_enriched(
            session=session,
            article_id=article_id,
            revision=claim.revision,
            enriched=enriched,
            identity=identity,
            policy=policy,
        )
    if seq is None:
        log.info(
            "duplicate delivery: result already stored by another delivery, "
            "or a newer revision arrived",
            extra={"article_id": article_id, "revision": claim.revision},
        )
        return Outcome.duplicate
    log.info(
        "article enriched",
        extra={
            "article_id": article_id,
            "revision": claim.revision,
            "feed_seq": seq,
            "attempt": claim.attempts,
            "entities": len(enriched.entities),
            "removals": len(enriched.removals),
        },
    )
    return Outcome.enriched


def _enrich_archived(
    engine: Engine,
    config: PipelineConfig,
    identity: PipelineIdentity,
    claim: Claim,
    policy: LinkPolicy,
) -> None:
    try:
        enriched = enrich(submitted_document(claim), config)
    except Exception as exc:  # deterministic: this revision fails, the later ones go on
        log.exception("pipeline failed", extra={"article_id": claim.article_id})
        with Session(engine) as session:
            mark_revision_failed(
                session=session,
                article_id=claim.article_id,
                revision=claim.revision,
                error=f"{type(exc).__name__}: {exc}",
            )
        return
    with Session(engine) as session:
        seq = save_enriched(
            session=session,
            article_id=claim.article_id,
            revision=claim.revision,
            enriched=enriched,
            identity=identity,
            policy=policy,
        )
    if seq is not None:
        log.info(
            "earlier revision enriched",
            extra={"article_id": claim.article_id, "revision": claim.revision, "feed_seq": seq},
        )


def submitted_document(claim: Claim) -> SubmittedDocument:
    return SubmittedDocument(
        text=claim.raw if claim.content_type == "text" else None,
        html=claim.raw if claim.content_type == "html" else None,
        title=claim.title,
        source=claim.source,
        language=claim.language,
    )


def _fail(engine: Engine, article_id: int, error: str, revision: int) -> None:
    with Session(engine) as session:
        mark_failed(session=session, article_id=article_id, error=error, revision=revision)
    log.warning("article failed", extra={"article_id": article_id, "error": error})
