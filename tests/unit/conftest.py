"""Unit fixtures: the pipeline configuration and spaCy models, loaded once per session; for the
direct tests of the store, queue and service modules, a migrated SQLite file per test (copied
from one migrated once per session) and a real embedded Valkey broker. No worker process."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from sqlalchemy.engine import Engine

from services.enrich.config import load_pipeline_config
from services.enrich.pipeline import PipelineConfig
from shared.celery_app import make_celery
from shared.db import make_engine
from shared.settings import Settings
from tests.support.services import Backend, embedded_backend


@pytest.fixture(scope="session")
def settings() -> Settings:
    # Packaged defaults only: a developer's .env must not change what the unit tests check.
    return Settings(_env_file=None)


@pytest.fixture(scope="session")
def pipeline_config(settings: Settings) -> PipelineConfig:
    return load_pipeline_config(settings)


@pytest.fixture(scope="session")
def bare_nlp(settings: Settings) -> Any:
    """The model as shipped, full default pipeline: what wirefeed is compared against."""
    import spacy

    return spacy.load(settings.spacy_model)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wirefeed.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "wirefeed.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def engine(migrated_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database at the latest schema, for this test alone."""
    path = tmp_path / "wirefeed.db"
    shutil.copyfile(migrated_template, path)
    made = make_engine(f"sqlite:///{path}")
    yield made
    made.dispose()


@pytest.fixture(scope="session")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    backend = embedded_backend(tmp_path_factory.mktemp("valkey"))
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def broker_settings(valkey: Backend) -> Settings:
    """Settings naming the embedded broker and a queue of this test's own."""
    return Settings(
        _env_file=None,
        broker_url=valkey.broker_url,
        task_queue=f"enrich-unit-{uuid.uuid4().hex[:8]}",
    )


@pytest.fixture
def celery(broker_settings: Settings) -> Iterator[Celery]:
    app = make_celery(broker_settings, producer=True)
    yield app
    app.close()


def queued_messages(settings: Settings) -> int:
    """How many task messages wait in the settings' queue (a Redis list)."""
    with redis.Redis.from_url(settings.broker_url) as client:
        return int(client.llen(settings.task_queue))
