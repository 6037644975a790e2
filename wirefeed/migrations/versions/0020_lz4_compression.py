"""article texts compressed with lz4 instead of pglz, where the server has lz4

Every ingested article's raw text (5-6 KB on the bench) is compressed by PostgreSQL as it is
written, and its clean text, enrichment and search vector when it is enriched. pglz, the
default, was most of the database's CPU in a batch insert: one unnest INSERT of 200 bench
articles wrote ~1.5x more rows a second with lz4 (bench/ANALYSIS.md, "Ingest write path,
third pass"), and lz4 also reads back faster (a search's snippets decompress 50 clean texts).
The stored bytes grow ~7%. Only values written from now on use it: nothing is rewritten, so
the migration takes no time on a large store. Skipped on a server built without lz4
(`default_toast_compression` then does not list it). PostgreSQL only.

Revision ID: 0020_lz4_compression
Revises: 0019_narrow_search_table
Create Date: 2026-12-02 18:20:00
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0020_lz4_compression"
down_revision: str | None = "0019_narrow_search_table"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    ("article", "raw"),
    ("article", "clean_text"),
    ("article", "enrichment"),
    ("article", "search_vector"),
    ("article_search", "vector"),
]


def _has_lz4() -> bool:
    found = op.get_bind().execute(
        text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    )
    return bool(found.scalar())


def _set(method: str) -> None:
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql" and _has_lz4():
        _set("lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _set("default")
