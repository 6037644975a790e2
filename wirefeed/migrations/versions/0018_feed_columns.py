"""feed columns: each article's feed entity list (no mentions) and pipeline, kept by PostgreSQL

The feed, the stream and webhook deliveries print every article's entities without their
mentions. Cut out of the stored enrichment at read time, that was most of a feed page's
database time (the JSON decompressed and walked per article, ~0.1-0.3 ms each); written once
when the enrichment is, it is a column read. A trigger keeps both columns in step with
`enrichment` for every writer (worker, re-enrichment, revisions, retractions), as 0014 does for
the search vector; `article_feed_entities()` is the one definition, which bench/bulk_load.py
(triggers off) calls too. PostgreSQL only: on SQLite the feed cuts the mentions in Python.

Revision ID: 0018_feed_columns
Revises: 0017_former_mentions
Create Date: 2026-12-01 01:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_feed_columns"
down_revision: str | None = "0017_former_mentions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The JSON text of the entity list with every entity's mentions emptied, exactly as the feed
# query printed it before this column (jsonb elements' text joined by ', ' in stored order);
# NULL when there is no entity list (never enriched, a tombstone), which the feed reads as [].
PG_UP = [
    "ALTER TABLE article ADD COLUMN feed_entities text, ADD COLUMN feed_pipeline jsonb",
    # Out of the row, uncompressed: compressed (~1 KB) it would stay in the row and make article
    # rows four times wider, and a search's id windows read that many more heap pages.
    "ALTER TABLE article ALTER COLUMN feed_entities SET STORAGE EXTERNAL",
    "CREATE FUNCTION article_feed_entities(enrichment jsonb) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    "SELECT CASE WHEN jsonb_typeof(enrichment -> 'entities') = 'array' THEN "
    "(SELECT '[' || coalesce(string_agg((e || jsonb_build_object('mentions', '[]'::jsonb))::text, "
    "', ' ORDER BY i), '') || ']' "
    "FROM jsonb_array_elements(enrichment -> 'entities') WITH ORDINALITY AS t(e, i)) END $$",
    "CREATE FUNCTION article_feed_columns() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.feed_entities := article_feed_entities(NEW.enrichment); "
    "NEW.feed_pipeline := NEW.enrichment -> 'pipeline'; "
    "RETURN NEW; END $$",
    "CREATE TRIGGER article_feed_columns BEFORE INSERT OR UPDATE OF enrichment "
    "ON article FOR EACH ROW EXECUTE FUNCTION article_feed_columns()",
    "UPDATE article SET feed_entities = article_feed_entities(enrichment), "
    "feed_pipeline = enrichment -> 'pipeline' WHERE enrichment IS NOT NULL",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS article_feed_columns ON article")
        op.execute("DROP FUNCTION IF EXISTS article_feed_columns()")
        op.execute("DROP FUNCTION IF EXISTS article_feed_entities(jsonb)")
        op.execute("ALTER TABLE article DROP COLUMN IF EXISTS feed_entities")
        op.execute("ALTER TABLE article DROP COLUMN IF EXISTS feed_pipeline")
