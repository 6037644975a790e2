"""The bench's own PostgreSQL database and Redis queue, and the processes it starts.

PostgreSQL 127.0.0.1:5432 (trust auth), database `wirefeed_bench` (recreated per run) and Redis
127.0.0.1:6379 db 14 with a queue of its own, so a bench never touches the team's test data.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import redis
from celery import Celery
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from services.ingest.queue import enqueue_articles
from services.ingest.store import store_articles
from shared.celery_app import make_celery
from shared.db import make_engine
from shared.schemas import ArticleIn
from shared.settings import Settings
from tests.support.processes import REPO, Proc, start_service, start_worker
from tests.support.services import Backend, free_port
from tests.support.stack import reset_store
from wirefeed.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "WIREFEED_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/wirefeed_bench"
)
REDIS_URL = os.environ.get("WIREFEED_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
LOG_DIR = REPO / "var" / "bench"

__all__ = ["BenchBackend", "Proc", "free_port", "start_service", "start_worker"]


def recreate_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    upgrade(url)


class BenchBackend:
    """A fresh schema, a private queue, and helpers to fill them."""

    def __init__(
        self, database_url: str = POSTGRES_URL, broker_url: str = REDIS_URL, *, fresh: bool = True
    ) -> None:
        if fresh:
            recreate_database(database_url)
        self.backend = Backend(
            "bench", database_url, broker_url, queue=f"enrich-bench-{uuid.uuid4().hex[:8]}"
        )
        self.settings = Settings(
            database_url=database_url, broker_url=broker_url, task_queue=self.backend.queue
        )
        self.engine: Engine = make_engine(database_url)
        self.celery: Celery = make_celery(self.settings)
        LOG_DIR.mkdir(parents=True, exist_ok=True)

    def reset(self) -> None:
        reset_store(self.engine)
        self.backend.flush_broker()

    def queue_depth(self) -> int:
        with redis.Redis.from_url(self.backend.broker_url) as client:
            return int(client.llen(self.backend.queue))

    def store_and_queue(self, articles: Sequence[dict[str, object]]) -> list[int]:
        """What the ingest service does for a batch: store, commit, then send the tasks."""
        items = [ArticleIn.model_validate(a) for a in articles]
        with Session(self.engine) as session:
            stored = store_articles(session=session, items=items)
        sizes = {s.id: len(item.body) for item, s in zip(items, stored, strict=True)}
        return enqueue_articles(
            engine=self.engine, celery=self.celery, article_ids=[s.id for s in stored], sizes=sizes
        )

    def count(self, where: str) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(text(f"SELECT count(*) FROM article WHERE {where}")).scalar_one()
            )

    def wait_enriched(self, total: int, *, timeout: float, interval: float = 0.05) -> float:
        """Block until `total` articles are enriched and in the feed; returns monotonic time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.count("status = 'enriched' AND feed_seq IS NOT NULL")
            if done >= total:
                return time.monotonic()
            if self.count("status = 'failed'"):
                raise RuntimeError("an article failed during the bench")
            time.sleep(interval)
        raise TimeoutError(f"only {done}/{total} enriched after {timeout}s")

    def worker(self, concurrency: int, **env: str) -> Proc:
        # INFO, as in production: the ready line is how the bench knows when consuming began.
        return start_worker(self.backend, LOG_DIR, concurrency=concurrency, **env)

    def service(self, name: str, **env: str) -> tuple[Proc, str]:
        port = free_port()
        proc = start_service(self.backend, LOG_DIR, name, port, WIREFEED_LOG_LEVEL="WARNING", **env)
        return proc, f"http://127.0.0.1:{port}"

    def close(self) -> None:
        self.backend.flush_broker()
        self.celery.close()
        self.engine.dispose()


def logs_dir() -> Path:
    return LOG_DIR
