"""each article's search vector copied into a narrow table, stored in the row, for ranking

0014 keeps the tsvector in `article.search_vector`. At ~3.3 KB it is TOASTed out of the wide
article row, so ranking the 1,000 newest hits read each vector through the TOAST index and two
chunks (6,600-7,250 buffers a search). `article_search(article_id, vector)` holds the same vector
with STORAGE MAIN: compressed if that helps, and kept in the row unless the row would not fit
a page, so ranking reads each vector with its heap tuple (~3,000 buffers) and never touches
article's wide rows but for the page shown (bench/ANALYSIS.md, "Consumer reads, fourth pass").

The GIN index stays on article: a filter's index (source, status, dates) is ANDed with it into
one bitmap, which a GIN index on another table cannot be (measured: a search with a source
filter went from 17 to 20,020 buffers with the index moved here).

An AFTER trigger copies the vector that 0014's trigger computed (no second parse) for every
writer of `title` or `clean_text` (ingest, enrichment, re-enrichment, revisions, retractions);
rows go with their article (ON DELETE CASCADE). PostgreSQL only: SQLite keeps FTS5 (0014).

Revision ID: 0019_narrow_search_table
Revises: 0018_feed_columns
Create Date: 2026-12-01 07:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_narrow_search_table"
down_revision: str | None = "0018_feed_columns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_UP = [
    "CREATE TABLE article_search (article_id integer PRIMARY KEY "
    "REFERENCES article (id) ON DELETE CASCADE, vector tsvector NOT NULL)",
    "ALTER TABLE article_search ALTER COLUMN vector SET STORAGE MAIN",
    # Copied, not parsed again; in id order, as the candidates are read.
    "INSERT INTO article_search (article_id, vector) "
    "SELECT id, search_vector FROM article WHERE search_vector IS NOT NULL ORDER BY id",
    "CREATE FUNCTION article_search_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO article_search (article_id, vector) VALUES (NEW.id, NEW.search_vector) "
    "ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector; "
    "RETURN NULL; END $$",
    # AFTER: the row as 0014's BEFORE trigger left it, vector computed.
    "CREATE TRIGGER article_search_copy AFTER INSERT OR UPDATE OF title, clean_text "
    "ON article FOR EACH ROW EXECUTE FUNCTION article_search_copy()",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS article_search_copy ON article")
        op.execute("DROP FUNCTION IF EXISTS article_search_copy()")
        op.execute("DROP TABLE IF EXISTS article_search")
