"""`wirefeed reenrich`: queue stored articles for the current pipeline on the reenrich queue.

Queues in windows (at most `window` tasks outstanding), printing progress, so Ctrl-C stops it
with little left in flight; the same command run again resumes the job where it stopped. Tasks
that never report back (a broker that lost them) are sent again after `stall_seconds`.
Every database step is its own short transaction: on SQLite a transaction holds the write lock
the workers need.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from celery import Celery
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.enrich.identity import pipeline_identity
from shared.reenrich_jobs import (
    ANY_PIPELINE,
    JobState,
    Selector,
    count_selected,
    done_count,
    finish,
    load_job,
    open_job,
    outstanding_ids,
    record_queued,
    selected_ids,
    send_reenrich,
)
from shared.settings import Settings

BATCH = 200


class _Progress:
    """Done count of the job, and when it last moved (to notice lost tasks)."""

    def __init__(self, engine: Engine, job: JobState) -> None:
        self.engine, self.job = engine, job
        self.done = self._count()
        self.moved_at = time.monotonic()

    def _count(self) -> int:
        with Session(self.engine) as session:
            return done_count(session, self.job.id)

    def refresh(self) -> bool:
        done = self._count()
        moved = done != self.done
        if moved:
            self.done, self.moved_at = done, time.monotonic()
        return moved


def run_reenrich(
    *,
    selector: Selector,
    settings: Settings,
    engine: Engine,
    celery: Celery,
    out: TextIO,
    dry_run: bool = False,
    wait: bool = True,
    window: int = 1000,
    stall_seconds: float = 120.0,
    poll: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    job_id: int | None = None,
) -> int:
    """`job_id`: go on with that stored job (an entity correction's re-tagging, say) instead of
    the one `selector` names."""
    identity = pipeline_identity(settings)
    target = identity.hash
    if job_id is not None:
        with Session(engine) as session:
            found = load_job(session, job_id)
        if found is None:
            out.write(f"no re-enrichment job {job_id}\n")
            return 1
        job, selector = found
        target, verb = job.target, "resuming"
    elif dry_run:
        with Session(engine) as session:
            count = count_selected(session, selector, target)
        out.write(
            f"would re-enrich {count} article(s) with pipeline {target} {identity.as_dict()}\n"
        )
        return 0
    else:
        with Session(engine) as session:
            job, resumed = open_job(session, selector, target)
        verb = "resuming" if resumed else "started"
    pipeline = "any pipeline" if target == ANY_PIPELINE else f"pipeline {target}"
    out.write(
        f"{verb} re-enrichment job {job.id}: {job.total} article(s) selected, "
        f"{job.queued} queued so far; {pipeline}\n"
    )
    progress = _Progress(engine, job)
    while True:
        progress.refresh()
        if job.queued - progress.done >= window:
            _resend_if_stalled(engine, job, selector, celery, progress, stall_seconds, out)
            sleep(poll)
            continue
        with Session(engine) as session:
            ids = selected_ids(
                session, selector, target, after_id=job.cursor, limit=min(BATCH, window)
            )
        if not ids:
            break
        send_reenrich(celery, job, ids)
        with Session(engine) as session:
            record_queued(session, job, ids)
        out.write(f"job {job.id}: queued {job.queued}/{job.total}, done {progress.done}\n")
    with Session(engine) as session:
        finish(session, job)
    out.write(f"job {job.id}: all {job.queued} queued\n")
    if not wait:
        return 0
    while progress.done < job.queued:
        if progress.refresh():
            out.write(f"job {job.id}: done {progress.done}/{job.queued}\n")
        elif not _resend_if_stalled(engine, job, selector, celery, progress, stall_seconds, out):
            sleep(poll)
    out.write(f"job {job.id}: done {job.queued}/{job.queued}\n")
    return 0


def _resend_if_stalled(
    engine: Engine,
    job: JobState,
    selector: Selector,
    celery: Celery,
    progress: _Progress,
    stall_seconds: float,
    out: TextIO,
) -> bool:
    if time.monotonic() - progress.moved_at < stall_seconds:
        return False
    with Session(engine) as session:
        lost = outstanding_ids(session, job, selector)
    if lost:
        send_reenrich(celery, job, lost)
        out.write(f"job {job.id}: no progress for {stall_seconds:.0f}s; re-sent {len(lost)}\n")
    progress.moved_at = time.monotonic()
    return bool(lost)
