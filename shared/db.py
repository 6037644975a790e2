"""The one engine factory and session helpers.

SQLite (embedded default) is opened in WAL mode with a busy timeout, and every transaction starts
with BEGIN IMMEDIATE: several processes write to the same file, and a deferred transaction that
reads then writes would fail with "database is locked" instead of waiting its turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`. `read_only` engines (the read API) skip SQLite's write lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _make_sqlite_engine(url, read_only=read_only, **kwargs)
    # orjson parses stored JSON (enrichment, feed entities) several times faster than json.
    kwargs.setdefault("json_deserializer", orjson.loads)
    # Sessions in UTC: psycopg then returns datetimes in `timezone.utc`, whose conversions are
    # cheap; with a named zone (Debian's default "Etc/UTC") each costs tens of microseconds and
    # a 100-article page spent more time there than in its query.
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("options", "-c TimeZone=UTC")
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _make_sqlite_engine(url: str, *, read_only: bool, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def relaxed_commit(session: Session) -> None:
    """For hint writes whose loss is harmless (an attempt count, pending -> queued): this
    transaction's commit does not wait for the WAL flush (PostgreSQL `synchronous_commit off`).
    Only a database server crash can lose it, never a client crash; it saves one disk flush,
    milliseconds, on the path of every article. No-op elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(text("SET LOCAL synchronous_commit TO OFF"))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def request_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request, on the engine its app was built with
    (`app.state.engine`, set by the app factory)."""
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(request_session)]
