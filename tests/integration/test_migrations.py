"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import shared.models  # noqa: F401
from shared.db import make_engine
from shared.models import (
    SEARCH_COLUMN,
    SEARCH_INDEX,
    SEARCH_TABLE,
    SEARCH_VECTOR_TABLE,
    is_dialect_object,
)
from tests.support.services import Backend
from wirefeed.migrate import alembic_config, upgrade


def test_migrated_schema_matches_models(backend: Backend) -> None:
    upgrade(backend.database_url)  # idempotent: already at head
    engine = make_engine(backend.database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    # Dialect-specific search objects: checked by the test below instead.
                    "include_name": lambda name, _type, _parent: not is_dialect_object(name),
                },
            )
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_search_objects_exist_after_migration(backend: Backend) -> None:
    engine = make_engine(backend.database_url)
    try:
        inspector = inspect(engine)
        if engine.dialect.name == "postgresql":
            columns = {c["name"]: c for c in inspector.get_columns("article")}
            assert str(columns[SEARCH_COLUMN]["type"]).upper() == "TSVECTOR"
            assert SEARCH_INDEX in {i["name"] for i in inspector.get_indexes("article")}
            copies = {c["name"]: c for c in inspector.get_columns(SEARCH_VECTOR_TABLE)}
            assert str(copies["vector"]["type"]).upper() == "TSVECTOR"
            # The copy stays in the row (0019): ranking reads it with its tuple, not via TOAST.
            with engine.connect() as connection:
                storage = connection.execute(
                    text(
                        "SELECT attstorage FROM pg_attribute "
                        "WHERE attrelid = CAST(:t AS regclass) AND attname = 'vector'"
                    ),
                    {"t": SEARCH_VECTOR_TABLE},
                ).scalar_one()
            assert storage == "m"
        else:
            with engine.connect() as connection:
                sql = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": SEARCH_TABLE}
                ).scalar_one()
                triggers = connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).scalars()
                assert "fts5" in sql
                assert {f"{SEARCH_TABLE}_{op}" for op in ("insert", "update", "delete")} <= set(
                    triggers
                )
    finally:
        engine.dispose()


def test_label_backfilled_into_the_join_table(tmp_path: Path) -> None:
    """0002 copies each entity's label into article_entity rows written before it existed."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO article (id, dedupe_key, content_type, raw, status, attempts, "
                    "created_at, updated_at) VALUES (1, 'k', 'text', 'x', 'enriched', 1, "
                    "'2026-01-01', '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO entity (id, name, name_key, label, article_count) VALUES "
                    "(1, 'Berlin', 'berlin', 'GPE', 1), (2, 'Siemens', 'siemens', 'ORG', 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO article_entity (article_id, entity_id, mention_count, "
                    "first_offset, salience) VALUES (1, 1, 1, 0, 0.5), (1, 2, 1, 9, 0.2)"
                )
            )
        upgrade(url)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT entity_id, label FROM article_entity ORDER BY entity_id")
            ).all()
        assert [tuple(r) for r in rows] == [(1, "GPE"), (2, "ORG")]
    finally:
        engine.dispose()


def test_last_seen_backfilled_and_0016_reversible(tmp_path: Path) -> None:
    """0016 dates each entity by its articles (publication date, or enrichment when there is
    none or it lies after that), and downgrades cleanly."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0015_webhooks")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO article (id, dedupe_key, content_type, raw, status, attempts, "
                    "revision, created_at, updated_at, published_at, enriched_at) VALUES "
                    "(1, 'a', 'text', 'x', 'enriched', 1, 1, '2025-05-01', '2025-05-01', "
                    "'2025-05-01 08:00:00.000000', '2025-05-02 00:00:00.000000'), "
                    "(2, 'b', 'text', 'y', 'enriched', 1, 1, '2025-06-01', '2025-06-01', "
                    "'2030-01-01 00:00:00.000000', '2025-06-01 00:00:00.000000')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO entity (id, name, name_key, label, article_count) VALUES "
                    "(1, 'Donald Trump', 'donald trump', 'PERSON', 2), "
                    "(2, 'Berlin', 'berlin', 'GPE', 1), (3, 'Nobody', 'nobody', 'PERSON', 0)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO article_entity (article_id, entity_id, mention_count, "
                    "first_offset, salience) VALUES (1, 1, 1, 0, 0.5), (2, 1, 1, 0, 0.5), "
                    "(1, 2, 1, 9, 0.2)"
                )
            )
        upgrade(url)
        with engine.connect() as connection:
            seen = connection.execute(text("SELECT id, last_seen_at FROM entity ORDER BY id")).all()
        assert [tuple(r) for r in seen] == [
            (1, "2025-06-01 00:00:00.000000"),  # the later article's claimed 2030: enriched
            (2, "2025-05-01 08:00:00.000000"),
            (3, None),
        ]
        command.downgrade(alembic_config(url), "0015_webhooks")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("entity")}
        assert "merged_into" not in columns and "last_seen_at" not in columns
        upgrade(url)
    finally:
        engine.dispose()


def test_article_texts_are_compressed_with_lz4_where_the_server_has_it(backend: Backend) -> None:
    engine = make_engine(backend.database_url)
    try:
        if engine.dialect.name != "postgresql":
            return  # SQLite stores text as it is: nothing to choose
        with engine.connect() as connection:
            has_lz4 = connection.execute(
                text(
                    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                    "WHERE name = 'default_toast_compression'"
                )
            ).scalar_one()
            methods = dict(
                connection.execute(
                    text(
                        "SELECT attrelid::regclass::text || '.' || attname, attcompression "
                        "FROM pg_attribute WHERE (attrelid = 'article'::regclass AND attname IN "
                        "('raw', 'clean_text', 'enrichment', 'search_vector')) OR "
                        "(attrelid = CAST(:t AS regclass) AND attname = 'vector')"
                    ),
                    {"t": SEARCH_VECTOR_TABLE},
                ).all()
            )
        assert len(methods) == 5
        assert set(methods.values()) == ({"l"} if has_lz4 else {""})
    finally:
        engine.dispose()
