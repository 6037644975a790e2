"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import shared.models  # noqa: F401
from shared.db import make_engine
from tests.support.services import Backend
from wirefeed.migrate import upgrade


def test_migrated_schema_matches_models(backend: Backend) -> None:
    upgrade(backend.database_url)  # idempotent: already at head
    engine = make_engine(backend.database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()
