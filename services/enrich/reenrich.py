"""One re-enrichment delivery: run the current pipeline over a stored article and keep the result
only if it changed something (then the feed gets an `updated` event).

Idempotent like the first enrichment: the article row remembers the last job that did it, so a
redelivered task stops, and an article already produced by the current pipeline is not redone.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.enrich.identity import PipelineIdentity
from services.enrich.pipeline import PipelineConfig, enrich
from services.enrich.processing import submitted_document
from services.enrich.store import (
    Reenriched,
    mark_reenrich_done,
    read_article,
    save_reenriched,
)
from shared.models import ArticleStatus

log = logging.getLogger("wirefeed.reenrich")


def reenrich_article(
    *,
    article_id: int,
    job_id: int,
    target: str,
    engine: Engine,
    config: PipelineConfig,
    identity: PipelineIdentity,
) -> Reenriched:
    if target != identity.hash:
        # A worker of another pipeline (a rolling upgrade): leave the article for one that runs
        # the job's pipeline; the command re-sends what makes no progress.
        log.warning(
            "re-enrichment for another pipeline left alone",
            extra={"article_id": article_id, "job": job_id, "want": target, "have": identity.hash},
        )
        return Reenriched.skipped
    with Session(engine) as session:
        claim = read_article(session=session, article_id=article_id)
    if claim is None:
        return Reenriched.skipped
    if claim.reenrich_job_id == job_id:
        return Reenriched.duplicate
    if claim.status != ArticleStatus.enriched or claim.pipeline_hash == identity.hash:
        # Not enriched (its own task will use the current pipeline), or already made by it.
        with Session(engine) as session:
            mark_reenrich_done(session=session, article_id=article_id, job_id=job_id)
        return Reenriched.skipped

    try:
        enriched = enrich(submitted_document(claim), config)
    except Exception:  # the stored result stays; the error is worth a look, not a retry
        log.exception("re-enrichment failed", extra={"article_id": article_id, "job": job_id})
        with Session(engine) as session:
            mark_reenrich_done(session=session, article_id=article_id, job_id=job_id)
        return Reenriched.skipped
    with Session(engine) as session:
        outcome = save_reenriched(
            session=session,
            article_id=article_id,
            revision=claim.revision,
            job_id=job_id,
            enriched=enriched,
            identity=identity,
        )
    log.info(
        "article re-enriched",
        extra={"article_id": article_id, "job": job_id, "outcome": outcome.value},
    )
    return outcome
