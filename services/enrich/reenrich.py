"""One re-enrichment delivery: run the current pipeline over a stored article and keep the result
only if it changed something (then the feed gets an `updated` event).

Idempotent like the first enrichment: the article row remembers the last job that did it, so a
redelivered task stops, and an article already produced by the current pipeline is not redone.
A re-tagging job (an editor's entity correction, target `ANY_PIPELINE`) redoes the article
whatever pipeline made it, if its record names one of the corrected names, and counts a change
of the store entity a name joins as a change.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.enrich.entity_links import DEFAULT_LINK_POLICY, LinkPolicy
from services.enrich.identity import PipelineIdentity
from services.enrich.pipeline import PipelineConfig, enrich
from services.enrich.processing import submitted_document
from services.enrich.store import (
    Claim,
    Reenriched,
    mark_reenrich_done,
    read_article,
    record_names,
    save_reenriched,
)
from shared.models import ArticleStatus
from shared.reenrich_jobs import ANY_PIPELINE, retag_names

log = logging.getLogger("wirefeed.reenrich")


def reenrich_article(
    *,
    article_id: int,
    job_id: int,
    target: str,
    engine: Engine,
    config: PipelineConfig,
    identity: PipelineIdentity,
    policy: LinkPolicy = DEFAULT_LINK_POLICY,
) -> Reenriched:
    retag = target == ANY_PIPELINE
    if target != identity.hash and not retag:
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
    if (
        claim.status != ArticleStatus.enriched
        or (claim.pipeline_hash == identity.hash and not retag)
        or (retag and not _names_it(engine, claim, job_id))
    ):
        # Not enriched (its own task will use the current pipeline and the store as it is now),
        # already made by this pipeline, or not naming what a correction changed.
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
            policy=policy,
            retag=retag,
        )
    log.info(
        "article re-enriched",
        extra={"article_id": article_id, "job": job_id, "outcome": outcome.value},
    )
    return outcome


def _names_it(engine: Engine, claim: Claim, job_id: int) -> bool:
    """Whether the record names one of the names the job looks for (any, if none given)."""
    with Session(engine) as session:
        wanted = retag_names(session, job_id)
        if not wanted:
            return True
        return bool(wanted & record_names(session=session, article_id=claim.article_id))
