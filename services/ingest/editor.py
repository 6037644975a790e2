"""POST /v1/entities/{id}/merge and /split: an editor's correction of the entity store, and the
re-tagging of the articles it affects.

The correction, its record and its re-enrichment job are one transaction; the job's tasks are
queued after commit (by task name, on the low-priority reenrich queue), like every article.
If the broker is down then, the correction still stands and the answer says how many were
queued; `wirefeed reenrich --job ID` queues the rest.
"""

from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.ingest.entity_corrections import Corrected, merge, split
from shared.models import Entity, EntityAlias
from shared.reenrich_jobs import (
    ANY_PIPELINE,
    JobState,
    Selector,
    create_job,
    finish,
    job_state,
    record_queued,
    selected_ids,
    send_reenrich,
)
from shared.schemas import (
    CorrectionOut,
    EntityCorrected,
    EntityOut,
    MergeIn,
    RetagOut,
    SplitIn,
)

log = logging.getLogger("wirefeed.editor")
QUEUE_BATCH = 500


class EntityEditor:
    def __init__(self, *, engine: Engine, celery: Celery) -> None:
        self.engine = engine
        self.celery = celery

    def merge(self, entity_id: int, body: MergeIn) -> EntityCorrected:
        with Session(self.engine) as session:
            done = merge(
                session,
                into_id=entity_id,
                from_id=body.from_id,
                reason=body.reason,
                editor=body.editor,
            )
            return self._finish(session, done)

    def split(self, entity_id: int, body: SplitIn) -> EntityCorrected:
        with Session(self.engine) as session:
            done = split(
                session,
                entity_id=entity_id,
                aliases=body.aliases,
                name=body.name,
                label=body.label,
                reason=body.reason,
                editor=body.editor,
            )
            return self._finish(session, done)

    def _finish(self, session: Session, done: Corrected) -> EntityCorrected:
        """Record the re-tagging job with the correction, commit, then queue its tasks."""
        job = create_job(session, done.retag, ANY_PIPELINE)
        done.correction.reenrich_job_id = job.id
        session.add(done.correction)
        session.flush()
        state = job_state(job)
        correction = CorrectionOut.model_validate(done.correction, from_attributes=True)
        entity, other = _entity_outs(session, [done.entity_id, done.other_id])
        session.commit()
        queued = self._queue(state, done.retag)
        log.info(
            "entity corrected",
            extra={
                "correction": correction.id,
                "kind": correction.kind,
                "entity_id": done.entity_id,
                "other_id": done.other_id,
                "job": state.id,
                "articles": state.total,
                "queued": queued,
            },
        )
        return EntityCorrected(
            correction=correction,
            entity=entity,
            other=other,
            retag=RetagOut(job_id=state.id, articles=state.total, queued=queued),
        )

    def _queue(self, job: JobState, selector: Selector) -> int:
        """Queue every selected article; stop at the first broker failure (the job resumes)."""
        try:
            while True:
                with Session(self.engine) as session:
                    ids = selected_ids(
                        session, selector, ANY_PIPELINE, after_id=job.cursor, limit=QUEUE_BATCH
                    )
                if not ids:
                    break
                send_reenrich(self.celery, job, ids)
                with Session(self.engine) as session:
                    record_queued(session, job, ids)
        except Exception as exc:  # broker down: the job stays open for `wirefeed reenrich --job`
            log.warning(
                "broker unreachable; re-tagging left for `wirefeed reenrich --job`",
                extra={"job": job.id, "queued": job.queued, "error": type(exc).__name__},
            )
            return job.queued
        with Session(self.engine) as session:
            finish(session, job)
        return job.queued


def _entity_outs(session: Session, ids: list[int]) -> list[EntityOut]:
    entities = {e.id: e for e in session.exec(select(Entity).where(col(Entity.id).in_(ids)))}
    aliases: dict[int, list[str]] = {i: [] for i in ids}
    for entity_id, key in session.exec(
        select(EntityAlias.entity_id, EntityAlias.alias_key)
        .where(col(EntityAlias.entity_id).in_(ids))
        .order_by(col(EntityAlias.alias_key))
    ):
        aliases[entity_id].append(key)
    return [
        EntityOut(
            id=i,
            name=entities[i].name,
            label=entities[i].label,
            article_count=entities[i].article_count,
            aliases=aliases[i],
            merged_into=entities[i].merged_into,
        )
        for i in ids
    ]
