"""full-text search: a weighted tsvector column + GIN index on PostgreSQL, FTS5 on SQLite

Both are kept current by the database itself (triggers), so every writer of `title` or
`clean_text` (ingest, enrichment, re-enrichment) updates the index. A trigger rather than a
generated column on PostgreSQL: a bulk load (bench/bulk_load.py, triggers off) can then copy a
vector computed once per distinct text instead of parsing every row again.
The objects are dialect-specific and so live here only; shared.models.SEARCH_OBJECTS names them
for the model-vs-migration check.

Revision ID: 0014_fts
Revises: 0013_article_quality
Create Date: 2026-11-30 19:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_fts"
down_revision: str | None = "0013_article_quality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Title words weigh more than body words in the ranking.
PG_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(clean_text, '')), 'B')"
)

SQLITE_UP = [
    # External content: the text stays in `article`; FTS5 keeps only its index.
    "CREATE VIRTUAL TABLE article_fts USING fts5(title, clean_text, content='article', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER article_fts_insert AFTER INSERT ON article BEGIN "
    "INSERT INTO article_fts(rowid, title, clean_text) VALUES (new.id, new.title, new.clean_text);"
    " END",
    "CREATE TRIGGER article_fts_delete AFTER DELETE ON article BEGIN "
    "INSERT INTO article_fts(article_fts, rowid, title, clean_text) "
    "VALUES ('delete', old.id, old.title, old.clean_text); END",
    "CREATE TRIGGER article_fts_update AFTER UPDATE OF title, clean_text ON article BEGIN "
    "INSERT INTO article_fts(article_fts, rowid, title, clean_text) "
    "VALUES ('delete', old.id, old.title, old.clean_text); "
    "INSERT INTO article_fts(rowid, title, clean_text) VALUES (new.id, new.title, new.clean_text);"
    " END",
    "INSERT INTO article_fts(article_fts) VALUES ('rebuild')",
]


PG_NEW_VECTOR = PG_VECTOR.replace("(title", "(NEW.title").replace("(clean_text", "(NEW.clean_text")
PG_UP = [
    "ALTER TABLE article ADD COLUMN search_vector tsvector",
    "CREATE FUNCTION article_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"NEW.search_vector := {PG_NEW_VECTOR}; "
    "RETURN NEW; END $$",
    "CREATE TRIGGER article_search_vector BEFORE INSERT OR UPDATE OF title, clean_text "
    "ON article FOR EACH ROW EXECUTE FUNCTION article_search_vector()",
    f"UPDATE article SET search_vector = {PG_VECTOR}",
    "CREATE INDEX ix_article_search ON article USING gin (search_vector)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UP:
            op.execute(statement)
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_article_search")
        op.execute("DROP TRIGGER IF EXISTS article_search_vector ON article")
        op.execute("DROP FUNCTION IF EXISTS article_search_vector()")
        op.execute("ALTER TABLE article DROP COLUMN IF EXISTS search_vector")
    else:
        for trigger in ("article_fts_insert", "article_fts_delete", "article_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS article_fts")
