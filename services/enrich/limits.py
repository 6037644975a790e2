"""Time limits per task that grow with the article's size, and what happens when one is hit.

An article is allowed `base + per_million_chars * chars / 1e6` seconds: a soft limit, at which
Celery raises `SoftTimeLimitExceeded` inside the task (the task marks the article `failed` with
the reason and returns), and a later hard limit, at which the pool kills the child outright (for
a task stuck where no Python exception can reach it). The worker's parent process enforces
both; it learns the article's size from the message header the sender wrote
(`ARTICLE_CHARS_HEADER`), or else from the store (one primary-key read on a fresh connection,
~4 ms of the parent's CPU and ~20 ms of wall time), before it hands the task to a child. The
parent then records the hard-limit failure itself, and the message is acknowledged: the article
is not redelivered to kill the next child.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from billiard.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery import Task
from celery.worker.request import Request
from sqlalchemy import Engine, create_engine, func
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from services.enrich.store import mark_failed
from shared.celery_app import ARTICLE_CHARS_HEADER
from shared.models import Article
from shared.settings import Settings

log = logging.getLogger("wirefeed.worker")
# The parent must not hang on a database that does not answer: it falls back to the limits of
# the largest article the ingest accepts.
LOOKUP_TIMEOUT_SECONDS = 2


@dataclass(frozen=True, slots=True)
class TimeLimits:
    soft_base: float
    hard_base: float
    per_million_chars: float
    max_chars: int  # the ingest limit: the size assumed when the real one cannot be read

    @classmethod
    def from_settings(cls, settings: Settings) -> TimeLimits:
        return cls(
            soft_base=settings.task_soft_time_limit,
            hard_base=settings.task_time_limit,
            per_million_chars=settings.task_time_limit_per_million_chars,
            max_chars=settings.max_article_chars,
        )

    def for_chars(self, chars: int | None) -> tuple[float, float]:
        """(soft, hard) seconds for an article of `chars` characters (None: unknown)."""
        size = self.max_chars if chars is None else chars
        extra = self.per_million_chars * size / 1_000_000
        soft = self.soft_base + extra
        return soft, max(self.hard_base + extra, soft + 1.0)


def time_limit_error(kind: str, seconds: float, chars: int | None) -> str:
    size = "of unknown size" if chars is None else f"of {chars:,} characters"
    stopped = "the worker process was killed" if kind == "hard" else "enrichment was stopped"
    return (
        f"{kind} time limit of {seconds:.0f} s exceeded for an article {size}: {stopped}; "
        "not retried (see WIREFEED_TASK_SOFT_TIME_LIMIT, WIREFEED_TASK_TIME_LIMIT, "
        "WIREFEED_TASK_TIME_LIMIT_PER_MILLION_CHARS)"
    )


@lru_cache(maxsize=4)
def lookup_engine(url: str) -> Engine:
    """An engine for the parent's few reads and writes: no pool (nothing to share with the
    children it forks), short timeouts."""
    if make_url(url).get_backend_name() == "sqlite":
        return create_engine(url, poolclass=NullPool, connect_args={"timeout": 10})
    options = f"-c statement_timeout={LOOKUP_TIMEOUT_SECONDS * 1000} -c TimeZone=UTC"
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={"connect_timeout": LOOKUP_TIMEOUT_SECONDS, "options": options},
    )


def article_chars(engine: Engine, article_id: int) -> int | None:
    """The submitted article's length in characters, or None if it cannot be read now."""
    try:
        with Session(engine) as session:
            length = session.exec(
                select(func.length(Article.raw)).where(Article.id == article_id)
            ).one_or_none()
    except Exception as exc:  # a database that is down must not stop the worker
        log.warning(
            "article size unknown: largest limits apply",
            extra={"article_id": article_id, "error": f"{type(exc).__name__}: {exc}"},
        )
        return None
    return int(length) if length is not None else None


def announced_chars(headers: dict[str, Any]) -> int | None:
    """The size the sender put in the message, if it did (re-sent or older messages may not)."""
    chars = headers.get(ARTICLE_CHARS_HEADER)
    return chars if type(chars) is int and chars >= 0 else None


def _article_id(args: Any) -> int | None:
    if isinstance(args, list | tuple) and args and isinstance(args[0], int):
        return args[0]
    return None


class SizedRequest(Request):
    """A task request whose time limits follow the size of the article it names (looked up as
    the worker's parent receives the message). Limits a producer set on the message win."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not any(self.time_limits):
            self.time_limits = self._limits_for_article()

    def _limits_for_article(self) -> tuple[float | None, float | None]:
        """(hard, soft): Celery's order."""
        task = self.task
        article_id = _article_id(self.args)
        if not isinstance(task, EnrichTask) or task.limits is None or article_id is None:
            return None, None
        chars = announced_chars(self.request_dict)
        if chars is None:
            if task.database_url is None:
                return None, None
            chars = article_chars(lookup_engine(task.database_url), article_id)
        soft, hard = task.limits.for_chars(chars)
        return hard, soft


class EnrichTask(Task[Any, Any]):
    """The enrich task's base: sized time limits, and a hard-limit kill recorded as a failure
    (Celery calls `on_failure` in the worker's parent when it kills a child for time)."""

    Request = "services.enrich.limits:SizedRequest"
    limits: TimeLimits | None = None
    database_url: str | None = None

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        article_id = _article_id(args)
        if not isinstance(exc, TimeLimitExceeded | SoftTimeLimitExceeded) or article_id is None:
            return
        kind = "hard" if isinstance(exc, TimeLimitExceeded) else "soft"
        fail_for_time(self, article_id, kind)


def fail_for_time(task: EnrichTask, article_id: int, kind: str) -> None:
    """Mark the article failed with the limit it hit; if the store cannot be reached the
    article stays unfinished and the relay sends it again later (its attempts are counted)."""
    if task.limits is None or task.database_url is None:
        return
    engine = lookup_engine(task.database_url)
    chars = article_chars(engine, article_id)
    soft, hard = task.limits.for_chars(chars)
    error = time_limit_error(kind, hard if kind == "hard" else soft, chars)
    try:
        with Session(engine) as session:
            marked = mark_failed(session=session, article_id=article_id, error=error)
    except Exception as exc:
        log.error(
            "could not record a time-limit failure",
            extra={"article_id": article_id, "error": f"{type(exc).__name__}: {exc}"},
        )
        return
    if marked:  # not when a stored result stands (a re-enrichment past its limit keeps it)
        log.warning("article failed", extra={"article_id": article_id, "error": error})
    else:
        log.warning(
            "task stopped at its time limit", extra={"article_id": article_id, "error": error}
        )
