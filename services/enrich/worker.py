"""The enrichment worker: a Celery app with one thin task, `enrich.article`.

The spaCy model is loaded once in the parent before the pool forks (shared copy-on-write);
each child drops any database connections it inherited.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from celery import Celery, Task, signals
from sqlalchemy.exc import DBAPIError, OperationalError

from services.enrich.config import load_pipeline_config
from services.enrich.identity import PipelineIdentity, pipeline_identity
from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.processing import process_article
from services.enrich.reenrich import reenrich_article
from services.enrich.store import Claim
from shared.celery_app import ENRICH_TASK, REENRICH_TASK, make_celery
from shared.db import dispose_engine, get_engine
from shared.settings import Settings, get_settings

log = logging.getLogger("wirefeed.worker")


class _Runtime:
    """What the task needs at run time, filled once per worker (before the fork)."""

    config: PipelineConfig | None = None
    identity_: PipelineIdentity | None = None

    def pipeline(self, settings: Settings) -> PipelineConfig:
        if self.config is None:
            self.config = load_pipeline_config(settings)
        return self.config

    def identity(self, settings: Settings) -> PipelineIdentity:
        if self.identity_ is None:
            self.identity_ = pipeline_identity(settings)
        return self.identity_


runtime = _Runtime()


def fault_hooks(settings: Settings) -> Callable[[Claim], None] | None:
    """Fault injection for the reliability tests; None (no hook at all) unless a WIREFEED_TEST_*
    setting asks for one."""
    if not settings.test_crash_marker and not settings.test_task_delay:
        return None
    log.warning(
        "TEST HOOKS ACTIVE: never run this in production",
        extra={"crash_marker": settings.test_crash_marker, "task_delay": settings.test_task_delay},
    )

    def hook(claim: Claim) -> None:
        if settings.test_crash_marker and settings.test_crash_marker in claim.raw:
            log.warning(
                "test hook: killing this worker process", extra={"article_id": claim.article_id}
            )
            os._exit(70)  # like an OOM kill or a segfault in native code: no clean-up at all
        if settings.test_task_delay:
            time.sleep(settings.test_task_delay)

    return hook


def create_worker_app(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    app = make_celery(settings)
    after_claim = fault_hooks(settings)

    @app.task(
        name=ENRICH_TASK,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=settings.task_max_attempts,
    )
    def enrich_article(self: Task, article_id: int) -> str:
        try:
            outcome = process_article(
                article_id=article_id,
                engine=get_engine(),
                config=runtime.pipeline(settings),
                identity=runtime.identity(settings),
                max_attempts=settings.task_max_attempts,
                retries=self.request.retries,
                after_claim=after_claim,
            )
        except (OperationalError, DBAPIError) as exc:
            # The database is unreachable or busy: back off and try again, a bounded number of
            # times; past that the relay re-sends the article once it has waited long enough.
            countdown = min(2**self.request.retries, settings.task_retry_backoff_max)
            log.warning(
                "database error, retrying",
                extra={
                    "article_id": article_id,
                    "task_id": self.request.id,
                    "retry": self.request.retries + 1,
                    "countdown": countdown,
                    "error": f"{type(exc).__name__}",
                },
            )
            raise self.retry(exc=exc, countdown=countdown) from exc
        return outcome.value

    @app.task(
        name=REENRICH_TASK,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=settings.task_max_attempts,
    )
    def reenrich(self: Task, article_id: int, job_id: int, target: str) -> str:
        try:
            outcome = reenrich_article(
                article_id=article_id,
                job_id=job_id,
                target=target,
                engine=get_engine(),
                config=runtime.pipeline(settings),
                identity=runtime.identity(settings),
            )
        except (OperationalError, DBAPIError) as exc:
            countdown = min(2**self.request.retries, settings.task_retry_backoff_max)
            raise self.retry(exc=exc, countdown=countdown) from exc
        return outcome.value

    return app


# One short article through the whole pipeline before the fork: the model's first call allocates
# and caches, and done here it is shared copy-on-write instead of paid by each child's first task.
_WARM_UP = SubmittedDocument(
    text="Officials in Berlin said on Monday that Angela Merkel met executives from Siemens.\n"
    "Read also| An unrelated headline"
)


@signals.worker_init.connect
def _load_model_before_fork(**_: Any) -> None:
    enrich(_WARM_UP, runtime.pipeline(get_settings()))
    runtime.identity(get_settings())


@signals.worker_process_init.connect
def _fresh_connections_in_child(**_: Any) -> None:
    dispose_engine()
