"""Re-enrichment jobs: which articles a job selects, its record, and queueing by task name.
Shared by `wirefeed reenrich` and the ingest service's entity corrections (a merge or split
re-tags the articles it affects through a job of its own).

A job remembers the highest article id it has queued, so a stopped run resumes where it left
off: running the same command again (same selection, same target pipeline) continues the job.
Progress is the number of selected articles whose row names the job (the task writes it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from celery import Celery
from sqlalchemy import ColumnElement, func, or_, text, update
from sqlmodel import Session, col, select

from shared.celery_app import REENRICH_TASK
from shared.models import Article, ArticleEntity, ArticleStatus, ReenrichJob, utcnow

# The target of a re-tagging job (an entity correction): any worker's pipeline redoes the
# article, even one that made it, since what changed is the store, not the pipeline.
ANY_PIPELINE = "*"


@dataclass(frozen=True, slots=True)
class Selector:
    stale: bool = False  # made by another pipeline than the current one
    source: str | None = None
    since: datetime | None = None  # received at or after
    rule: str | None = None  # a boilerplate rule removed something from it
    # Entity corrections: articles linked to one of `entities` whose record names the entity
    # `record_entity` (only through a link, with `linked_only`: a surname or a merged name).
    entities: tuple[int, ...] = ()
    record_entity: int | None = None
    linked_only: bool = False
    # The worker redoes only records naming one of these (alias keys); empty: every one.
    names: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        data["names"] = list(self.names)
        data["entities"] = list(self.entities)
        return data

    @classmethod
    def of(cls, data: dict[str, Any]) -> Selector:
        """A stored job's selector (`as_dict`), fields added since it was stored left default."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if known.get("since"):
            known["since"] = datetime.fromisoformat(known["since"])
        known["names"] = tuple(known.get("names") or ())
        known["entities"] = tuple(known.get("entities") or ())
        return cls(**known)


def _conditions(session: Session, selector: Selector, target: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [col(Article.status) == ArticleStatus.enriched]
    if selector.stale:
        conditions.append(
            or_(col(Article.pipeline_hash).is_(None), col(Article.pipeline_hash) != target)
        )
    if selector.source is not None:
        conditions.append(col(Article.source) == selector.source)
    if selector.since is not None:
        conditions.append(col(Article.created_at) >= selector.since)
    if selector.rule is not None:
        if session.get_bind().dialect.name == "postgresql":
            clause = text("article.enrichment -> 'removals' @> CAST(:rule_json AS jsonb)")
            conditions.append(
                clause.bindparams(rule_json=json.dumps([{"rule": selector.rule}]))  # type: ignore[arg-type]
            )
        else:
            clause = text(
                "EXISTS (SELECT 1 FROM json_each(article.enrichment, '$.removals') "
                "WHERE json_extract(value, '$.rule') = :rule)"
            )
            conditions.append(clause.bindparams(rule=selector.rule))  # type: ignore[arg-type]
    if selector.entities:
        linked = select(ArticleEntity.article_id).where(
            col(ArticleEntity.entity_id).in_(selector.entities)
        )
        conditions.append(col(Article.id).in_(linked))
    if selector.record_entity is not None:
        conditions.append(_record_names_entity(session, selector))
    return conditions


def _record_names_entity(session: Session, selector: Selector) -> ColumnElement[bool]:
    """The stored record lists the entity id (with a link, if `linked_only`)."""
    if session.get_bind().dialect.name == "postgresql":
        wanted: dict[str, object] = {"id": selector.record_entity}
        if selector.linked_only:
            wanted["link"] = {"linked": True}
        clause = text("article.enrichment -> 'entities' @> CAST(:entity_json AS jsonb)")
        return clause.bindparams(entity_json=json.dumps([wanted]))  # type: ignore[return-value]
    clause = text(
        "EXISTS (SELECT 1 FROM json_each(article.enrichment, '$.entities') "
        "WHERE json_extract(value, '$.id') = :record_entity "
        "AND (:linked_only = 0 OR json_extract(value, '$.link.linked') = 1))"
    )
    return clause.bindparams(  # type: ignore[return-value]
        record_entity=selector.record_entity, linked_only=int(selector.linked_only)
    )


def count_selected(session: Session, selector: Selector, target: str) -> int:
    query = select(func.count()).select_from(Article).where(*_conditions(session, selector, target))
    return int(session.exec(query).one())


def selected_ids(
    session: Session, selector: Selector, target: str, *, after_id: int, limit: int
) -> list[int]:
    query = (
        select(Article.id)
        .where(*_conditions(session, selector, target), col(Article.id) > after_id)
        .order_by(col(Article.id))
        .limit(limit)
    )
    return [i for i in session.exec(query) if i is not None]


@dataclass(slots=True)
class JobState:
    """A job's record, detached from any session (callers keep transactions short: on SQLite
    every transaction holds the write lock)."""

    id: int
    target: str
    total: int
    queued: int
    cursor: int


def _state(job: ReenrichJob) -> JobState:
    assert job.id is not None
    return JobState(job.id, job.target_pipeline, job.total, job.queued, job.cursor)


def outstanding_ids(session: Session, job: JobState, selector: Selector) -> list[int]:
    """Queued by the job but not yet done (a lost task, after a broker failure)."""
    query = (
        select(Article.id)
        .where(
            *_conditions(session, selector, job.target),
            col(Article.id) <= job.cursor,
            or_(col(Article.reenrich_job_id).is_(None), col(Article.reenrich_job_id) != job.id),
        )
        .order_by(col(Article.id))
    )
    return [i for i in session.exec(query) if i is not None]


def open_job(session: Session, selector: Selector, target: str) -> tuple[JobState, bool]:
    """The unfinished job for this selection and target pipeline, or a new one. Commits.
    Returns the job and whether it was resumed."""
    key = json.dumps({**selector.as_dict(), "target": target}, sort_keys=True)
    job = session.exec(
        select(ReenrichJob)
        .where(ReenrichJob.selector_key == key, col(ReenrichJob.finished_at).is_(None))
        .order_by(col(ReenrichJob.id).desc())
    ).first()
    resumed = job is not None
    if job is None:
        job = ReenrichJob(
            selector=selector.as_dict(),
            selector_key=key,
            target_pipeline=target,
            total=count_selected(session, selector, target),
        )
        session.add(job)
        session.commit()
        session.refresh(job)
    state = _state(job)
    session.commit()
    return state, resumed


def create_job(session: Session, selector: Selector, target: str) -> ReenrichJob:
    """A new job for this selection (an entity correction's), in the caller's transaction."""
    key = json.dumps({**selector.as_dict(), "target": target}, sort_keys=True)
    job = ReenrichJob(
        selector=selector.as_dict(),
        selector_key=key[:1000],
        target_pipeline=target,
        total=count_selected(session, selector, target),
    )
    session.add(job)
    session.flush()
    return job


def load_job(session: Session, job_id: int) -> tuple[JobState, Selector] | None:
    """A stored job and its selection (`wirefeed reenrich --job`). Commits."""
    job = session.get(ReenrichJob, job_id)
    found = None if job is None else (_state(job), Selector.of(job.selector))
    session.commit()
    return found


def job_state(job: ReenrichJob) -> JobState:
    return _state(job)


def retag_names(session: Session, job_id: int) -> frozenset[str]:
    """The names a job's worker looks for in a record before redoing it (empty: any)."""
    job = session.get(ReenrichJob, job_id)
    names = frozenset(job.selector.get("names") or ()) if job is not None else frozenset()
    session.rollback()
    return names


def record_queued(session: Session, job: JobState, ids: Sequence[int]) -> None:
    job.queued += len(ids)
    job.cursor = max(job.cursor, *ids)
    session.exec(
        update(ReenrichJob)
        .where(col(ReenrichJob.id) == job.id)
        .values(queued=job.queued, cursor=job.cursor)
    )
    session.commit()


def finish(session: Session, job: JobState) -> None:
    session.exec(
        update(ReenrichJob).where(col(ReenrichJob.id) == job.id).values(finished_at=utcnow())
    )
    session.commit()


def done_count(session: Session, job_id: int) -> int:
    query = select(func.count()).select_from(Article).where(Article.reenrich_job_id == job_id)
    done = int(session.exec(query).one())
    session.commit()  # end the transaction: the workers are writing
    return done


def send_reenrich(celery: Celery, job: JobState, article_ids: Sequence[int]) -> None:
    """One task per id on the reenrich queue, in one broker round trip."""
    with celery.producer_or_acquire() as producer, producer.batch():
        for article_id in article_ids:
            celery.send_task(
                REENRICH_TASK, args=[article_id, job.id, job.target], producer=producer
            )
