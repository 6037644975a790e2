"""Alembic environment: the URL comes from wirefeed's settings (or the caller's config)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import shared.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from shared.db import make_engine
from shared.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # A batch migration rebuilds a table (copy, drop, rename): with foreign keys on, the
            # drop would cascade into every row that refers to it. The pragma only takes effect
            # outside a transaction, so it goes first; the check runs again after the rebuild.
            # (on the driver's connection: SQLAlchemy would open a transaction first)
            raw = connection.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.close()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
    engine.dispose()


run_migrations()
