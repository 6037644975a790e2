"""Integration fixtures: each test runs against both the embedded default (SQLite + Valkey) and
the production components (PostgreSQL + Redis), with a real worker process. The backends, their
workers and API servers are made once per test process (tests/support/kept.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.api_server import ApiServer
from tests.support.kept import KeptForSession
from tests.support.processes import Proc
from tests.support.services import Backend
from tests.support.stack import Stack, reset_store, running_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def kept(tmp_path_factory: pytest.TempPathFactory, log_dir: Path) -> Iterator[KeptForSession]:
    with ExitStack() as exits:
        yield KeptForSession(exits, tmp_path_factory, log_dir)


@pytest.fixture(scope="module", params=["embedded", "production"])
def backend(request: pytest.FixtureRequest, kept: KeptForSession) -> Backend:
    return kept.backend(request.param)


@pytest.fixture(scope="module")
def worker(backend: Backend, kept: KeptForSession) -> Proc:
    return kept.worker(backend)


@pytest.fixture
def stack(backend: Backend, worker: Proc, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """Clean store and queue, in-process ingest + API, the session's worker consuming."""
    with running_stack(backend, monkeypatch) as running:
        reset_store(running.engine)
        backend.flush_broker()
        yield running


@pytest.fixture(scope="module")
def api_server(backend: Backend, kept: KeptForSession) -> ApiServer:
    return kept.api_server(backend)
