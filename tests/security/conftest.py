"""Security fixtures: the in-process services over a real store and broker (no worker needed:
what is refused must never reach the store)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import Backend, migrated_backend
from tests.support.stack import Stack, reset_store, running_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session", params=["embedded", "production"])
def store_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    with migrated_backend(request.param, tmp_path_factory.mktemp("security")) as chosen:
        yield chosen


@pytest.fixture(scope="session")
def embedded_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with migrated_backend("embedded", tmp_path_factory.mktemp("security-embedded")) as chosen:
        yield chosen


@pytest.fixture
def stack(store_backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    with running_stack(store_backend, monkeypatch) as running:
        reset_store(running.engine)
        store_backend.flush_broker()
        yield running
