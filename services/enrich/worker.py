"""The enrichment worker: a Celery app with two thin tasks, `enrich.article` and
`enrich.reenrich` (on its own queue, polled after the enrich queue).

The spaCy model is loaded once in the parent before the pool forks (shared copy-on-write);
each child drops any database connections it inherited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from billiard.exceptions import SoftTimeLimitExceeded
from celery import Celery, signals
from sqlalchemy.exc import DBAPIError, OperationalError

from services.enrich.config import load_pipeline_config
from services.enrich.entity_links import LinkPolicy
from services.enrich.identity import pipeline_identity
from services.enrich.limits import EnrichTask, TimeLimits, fail_for_time, lookup_engine
from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.processing import process_article
from services.enrich.reenrich import reenrich_article
from services.enrich.store import Claim
from shared.celery_app import ENRICH_TASK, REENRICH_TASK, make_celery
from shared.db import make_engine
from shared.settings import Settings

log = logging.getLogger("wirefeed.worker")

# One short article through the whole pipeline before the fork: the model's first call allocates
# and caches, and done here it is shared copy-on-write instead of paid by each child's first task.
_WARM_UP = SubmittedDocument(
    text="Officials in Berlin said on Monday that Angela Merkel met executives from Siemens.\n"
    "Read also| An unrelated headline"
)


class _Pipeline:
    """The pipeline configuration, loaded once per worker (before the fork)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._config: PipelineConfig | None = None

    def __call__(self) -> PipelineConfig:
        if self._config is None:
            self._config = load_pipeline_config(self._settings)
        return self._config


def create_worker_app(
    settings: Settings, *, after_claim: Callable[[Claim], None] | None = None
) -> Celery:
    """The worker's Celery app with its own engine and pipeline. `after_claim` is a test-only
    fault-injection hook (see wirefeed/testing.py)."""
    app = make_celery(settings)
    engine = make_engine(settings.effective_database_url)
    pipeline = _Pipeline(settings)
    identity = pipeline_identity(settings)  # files and package metadata only: cheap
    policy = LinkPolicy.of(settings)

    @app.task(
        name=ENRICH_TASK,
        base=EnrichTask,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=settings.task_max_attempts,
        limits=TimeLimits.from_settings(settings),
        database_url=settings.effective_database_url,
    )
    def enrich_article(self: EnrichTask, article_id: int) -> str:
        try:
            outcome = process_article(
                article_id=article_id,
                engine=engine,
                config=pipeline(),
                identity=identity,
                policy=policy,
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
        except SoftTimeLimitExceeded:
            # Past the soft limit for this article's size: it would take as long next time.
            fail_for_time(self, article_id, "soft")
            return "failed"
        return outcome.value

    @app.task(
        name=REENRICH_TASK,
        base=EnrichTask,  # the same limits: a huge article must not hold a worker for ever
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=settings.task_max_attempts,
        limits=TimeLimits.from_settings(settings),
        database_url=settings.effective_database_url,
    )
    def reenrich(self: EnrichTask, article_id: int, job_id: int, target: str) -> str:
        try:
            outcome = reenrich_article(
                article_id=article_id,
                job_id=job_id,
                target=target,
                engine=engine,
                config=pipeline(),
                identity=identity,
                policy=policy,
            )
        except (OperationalError, DBAPIError) as exc:
            countdown = min(2**self.request.retries, settings.task_retry_backoff_max)
            raise self.retry(exc=exc, countdown=countdown) from exc
        return outcome.value

    def load_model_before_fork(**_: Any) -> None:
        enrich(_WARM_UP, pipeline())

    def fresh_connections_in_child(**_: Any) -> None:
        # Pooled connections inherited from the parent belong to it: forget, do not close, them.
        engine.dispose(close=False)
        lookup_engine.cache_clear()  # the parent's engine (unpooled): the child makes its own

    # Held strongly (weak=False): the handlers live as long as the app they were made for.
    signals.worker_init.connect(load_model_before_fork, weak=False)
    signals.worker_process_init.connect(fresh_connections_in_child, weak=False)
    return app
