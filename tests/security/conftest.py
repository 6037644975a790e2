"""Security fixtures: the in-process services over a real store and broker (no worker needed:
what is refused must never reach the store)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import (
    Backend,
    drop_database,
    embedded_backend,
    production_backend,
)
from tests.support.stack import Stack, reset_store, running_stack
from wirefeed.migrate import upgrade

pytestmark = pytest.mark.integration


def _backend(kind: str, tmp: Path) -> Backend:
    return embedded_backend(tmp) if kind == "embedded" else production_backend()


@pytest.fixture(scope="session", params=["embedded", "production"])
def store_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    chosen = _backend(request.param, tmp_path_factory.mktemp("security"))
    try:
        upgrade(chosen.database_url)
        yield chosen
    finally:
        chosen.close()
        if chosen.database_url.startswith("postgresql"):
            drop_database(chosen.database_url)


@pytest.fixture(scope="session")
def embedded_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    chosen = embedded_backend(tmp_path_factory.mktemp("security-embedded"))
    try:
        upgrade(chosen.database_url)
        yield chosen
    finally:
        chosen.close()


@pytest.fixture
def stack(store_backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    with running_stack(store_backend, monkeypatch) as running:
        reset_store(running.engine)
        store_backend.flush_broker()
        yield running
