"""Integration fixtures: each test runs against both the embedded default (SQLite + Valkey) and
the production components (PostgreSQL + Redis), with a real worker process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api_server import ApiServer
from tests.support.processes import Proc, start_service, start_worker
from tests.support.services import Backend, free_port, migrated_backend
from tests.support.stack import Stack, reset_store, running_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session", params=["embedded", "production"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    with migrated_backend(request.param, tmp_path_factory.mktemp(request.param)) as chosen:
        yield chosen


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def worker(backend: Backend, log_dir: Path) -> Iterator[Proc]:
    proc = start_worker(backend, log_dir, concurrency=1)
    yield proc
    proc.stop()


@pytest.fixture
def stack(backend: Backend, worker: Proc, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """Clean store and queue, in-process ingest + API, the session's worker consuming."""
    with running_stack(backend, monkeypatch) as running:
        reset_store(running.engine)
        backend.flush_broker()
        yield running


@pytest.fixture(scope="session")
def api_server(backend: Backend, log_dir: Path) -> Iterator[ApiServer]:
    port = free_port()
    server = ApiServer(backend, log_dir, port, start_service(backend, log_dir, "api", port))
    yield server
    server.proc.stop()
