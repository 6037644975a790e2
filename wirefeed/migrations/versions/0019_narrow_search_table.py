"""search vectors in a narrow table of their own, stored in the row: `article_search`

0014 kept each article's tsvector in `article.search_vector`. At ~3.3 KB it was TOASTed out of
the wide article row, so ranking 1,000 hits read each vector through the TOAST index and two
chunks, and a phrase's adjacency check did the same for every candidate of the GIN index
(bench/ANALYSIS.md, "Consumer reads, third pass" and "fourth pass"). Here the vector lives in
`article_search(article_id, vector)` with STORAGE MAIN: compressed if that helps, and kept in
the row unless the row would not fit a page, so a hit's vector is read with its heap tuple.
The GIN index moves with it. The same vector as before (one SQL function,
`article_text_vector`, which the trigger, the backfill, the downgrade and bench/bulk_load.py
share), written by an AFTER trigger on article for every writer of `title` or `clean_text`
(ingest, enrichment, re-enrichment, revisions, retractions); rows go with their article
(ON DELETE CASCADE). PostgreSQL only: SQLite keeps FTS5 (0014).

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

# 0014's vector, unchanged: title words weigh more (A) than body words (B).
VECTOR_FUNCTION = (
    "CREATE FUNCTION article_text_vector(title text, clean_text text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT "
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(clean_text, '')), 'B') $$"
)

PG_UP = [
    VECTOR_FUNCTION,
    "CREATE TABLE article_search (article_id integer PRIMARY KEY "
    "REFERENCES article (id) ON DELETE CASCADE, vector tsvector NOT NULL)",
    "ALTER TABLE article_search ALTER COLUMN vector SET STORAGE MAIN",
    # The stored vectors are copied, not parsed again; in id order, as the windows read them.
    "INSERT INTO article_search (article_id, vector) SELECT id, "
    "coalesce(search_vector, article_text_vector(title, clean_text)) FROM article ORDER BY id",
    "CREATE INDEX ix_article_search_vector ON article_search USING gin (vector)",
    "DROP TRIGGER article_search_vector ON article",
    "DROP FUNCTION article_search_vector()",
    "DROP INDEX ix_article_search",
    "ALTER TABLE article DROP COLUMN search_vector",
    "CREATE FUNCTION article_search_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO article_search (article_id, vector) "
    "VALUES (NEW.id, article_text_vector(NEW.title, NEW.clean_text)) "
    "ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER article_search_insert AFTER INSERT ON article "
    "FOR EACH ROW EXECUTE FUNCTION article_search_row()",
    # Only when the text really changed: an UPDATE naming the columns with their old values
    # (a retry, a status change written through the ORM) costs no vector.
    "CREATE TRIGGER article_search_update AFTER UPDATE OF title, clean_text ON article "
    "FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title "
    "OR OLD.clean_text IS DISTINCT FROM NEW.clean_text) "
    "EXECUTE FUNCTION article_search_row()",
]

# 0014's objects, refilled from the narrow table.
PG_DOWN = [
    "DROP TRIGGER IF EXISTS article_search_update ON article",
    "DROP TRIGGER IF EXISTS article_search_insert ON article",
    "DROP FUNCTION IF EXISTS article_search_row()",
    "ALTER TABLE article ADD COLUMN search_vector tsvector",
    "UPDATE article SET search_vector = s.vector FROM article_search s WHERE s.article_id = id",
    "CREATE FUNCTION article_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.search_vector := "
    "setweight(to_tsvector('english'::regconfig, coalesce(NEW.title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(NEW.clean_text, '')), 'B'); "
    "RETURN NEW; END $$",
    "CREATE TRIGGER article_search_vector BEFORE INSERT OR UPDATE OF title, clean_text "
    "ON article FOR EACH ROW EXECUTE FUNCTION article_search_vector()",
    "CREATE INDEX ix_article_search ON article USING gin (search_vector)",
    "DROP TABLE article_search",
    "DROP FUNCTION article_text_vector(text, text)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DOWN:
            op.execute(statement)
