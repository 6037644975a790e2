"""In-process ingest and API apps (FastAPI TestClient) over a real database and broker, next to
a real worker process. Settings come from the environment, as in production."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from shared.db import make_engine
from shared.settings import Settings, get_settings
from tests.support.services import Backend

TABLES = (
    "webhook_delivery",
    "webhook_subscription",
    "feed_event",
    "lsh_band",
    "article_revision",
    "article_entity",
    "former_mention",
    "entity_alias",
    "entity_name_pin",
    "entity_correction",
    "entity",
    "article",
    "reenrich_job",
)

RESTART_SEQUENCES = (
    "SELECT setval(oid, 1, false) FROM pg_class"
    " WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
)


def clear_cached_settings() -> None:
    get_settings.cache_clear()


def reset_store(engine: Engine, attempts: int = 5) -> None:
    """Empty the store, dependents first. DELETE, not TRUNCATE: a test leaves a few rows, and
    PostgreSQL's TRUNCATE makes new files for every table and index (~0.5 s a test). A worker
    may still be writing the previous test's last article; if PostgreSQL picks this as a
    deadlock victim, try again."""
    for attempt in range(attempts):
        try:
            with engine.begin() as connection:
                for table in TABLES:
                    connection.execute(text(f"DELETE FROM {table}"))
                if engine.dialect.name == "postgresql":  # ids from 1, as TRUNCATE gave
                    connection.execute(text(RESTART_SEQUENCES))
                connection.execute(text("UPDATE feed_counter SET value = 0"))
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


def store_rows(engine: Engine, rows: Iterable[SQLModel]) -> None:
    """Empty the store, then write `rows` as they are (no ingest, no worker): for query tests
    that need an exact store."""
    reset_store(engine)
    with Session(engine) as session:
        session.add_all(list(rows))
        session.commit()


@dataclass
class Stack:
    backend: Backend
    ingest: TestClient
    api: TestClient
    engine: Engine

    def post(self, article: dict[str, Any]) -> dict[str, Any]:
        response = self.ingest.post("/v1/articles", json=article)
        assert response.status_code == 202, response.text
        return response.json()

    def article(self, article_id: int) -> dict[str, Any]:
        """The whole record: tests audit offsets, so the heavy parts are asked for too."""
        response = self.api.get(
            f"/v1/articles/{article_id}", params={"include": "raw,source_text,mentions"}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def wait_final(self, article_id: int, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self.article(article_id)
            if record["status"] in ("enriched", "failed"):
                return record
            time.sleep(0.1)
        raise AssertionError(f"article {article_id} not final after {timeout}s: {record['status']}")


@contextmanager
def running_stack(
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
    *,
    allow_loopback_fetch: bool = False,
    **env: str,
) -> Iterator[Stack]:
    """Both apps built from the environment's settings, as `wirefeed serve` builds them, plus an
    engine of the test's own for looking at the store. `allow_loopback_fetch`: the test-only
    hook that lets URL ingest reach a page server on this machine."""
    from services.api.app import create_api_app
    from services.ingest.app import create_ingest_app

    monkeypatch.setenv("WIREFEED_DATABASE_URL", backend.database_url)
    monkeypatch.setenv("WIREFEED_BROKER_URL", backend.broker_url)
    monkeypatch.setenv("WIREFEED_TASK_QUEUE", backend.queue)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    clear_cached_settings()
    settings = Settings()
    engine = make_engine(settings.effective_database_url)
    try:
        with (
            TestClient(
                create_ingest_app(settings, allow_loopback_fetch=allow_loopback_fetch)
            ) as ingest,
            TestClient(create_api_app(settings)) as api,
        ):
            for client in (ingest, api):
                _build_routes(client)
            yield Stack(backend, ingest, api, engine)
    finally:
        engine.dispose()
        clear_cached_settings()


def _build_routes(client: TestClient) -> None:
    """FastAPI builds each route's parameter models on the first request that walks past it, and
    that build is not safe when two apps in one process build at once from two threads (pydantic
    then warns about, and pytest fails on, a stray `alias`). A served app has one event-loop
    thread; here a test may drive both apps from two threads, so build both now, one after the
    other: a path that matches nothing walks every route."""
    assert client.get("/__no-such-route__").status_code == 404
