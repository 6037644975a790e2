"""Fill a dedicated PostgreSQL database with N enriched articles for the read-API bench.

    python -m bench.bulk_load --articles 1000000 [--url postgresql+psycopg://...]

Real enrichment output, replicated: a few dozen corpus articles go through the pipeline once, and
every bulk article copies one of them (text, entities with mentions, removals), with its own id,
source, publication time and feed position, plus two entities from a long tail (most named by one
or two articles, a few by thousands), so entity popularity and row sizes are realistic. One in a
thousand articles is failed and the newest few are still waiting, as in a live store.

Built to scale to a million: rows go in with COPY FREEZE in chunks into tables emptied in the same
transaction, the secondary indexes and unique constraints are dropped first and built once at the
end, the counters are set to match, then VACUUM ANALYZE. It prints the database's size on disk.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy.engine import make_url

from bench.backend import recreate_database
from bench.corpus import build_corpus
from services.enrich.config import load_pipeline_config
from services.enrich.pipeline import EnrichedDocument, SubmittedDocument, enrich_many
from shared.aliases import alias_key
from shared.settings import Settings

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wirefeed_bench_read"
SOURCES = [f"source{i}.example" for i in range(20)]
TEMPLATES = 60


def _libpq(url: str) -> str:
    parsed = make_url(url)
    return (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.database}"
    )


def loaded_count(url: str) -> int:
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3) as conn:
            return int(conn.execute("SELECT count(*) FROM article").fetchone()[0])  # type: ignore[index]
    except psycopg.Error:
        return 0


def _templates() -> list[tuple[Any, EnrichedDocument]]:
    corpus = build_corpus(TEMPLATES, min_words=300, max_words=600, seed=11)
    config = load_pipeline_config(Settings())
    docs = [SubmittedDocument(text=a.text, title=a.title, source=a.source) for a in corpus]
    return list(zip(corpus, enrich_many(docs, config), strict=True))


def load(url: str, articles: int) -> None:
    started = time.perf_counter()
    recreate_database(url)
    templates = _templates()
    entities = _Entities()
    for _, enriched in templates:
        for e in enriched.entities:
            entity_id = entities.add(e.name, e.label)
            entities.aliases.update((alias_key(s), entity_id) for s in e.aliases)
    prepared = [_prepared(enriched, entities) for _, enriched in templates]
    tails = _TailEntities(entities, articles)
    print(f"[bulk] {len(templates)} templates enriched ({time.perf_counter() - started:.0f}s)")

    def elapsed() -> str:
        return f"({time.perf_counter() - started:.0f}s)"

    with psycopg.connect(_libpq(url)) as conn, conn.cursor() as cur:
        # Foreign keys are satisfied by construction; checking 25M rows one by one is slow.
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET maintenance_work_mem = '512MB'")
        # Emptied in this transaction, so COPY FREEZE writes rows already frozen; the indexes
        # are built once at the end (a sort each) instead of being updated row by row.
        cur.execute(
            "TRUNCATE article, article_search, article_entity, former_mention, entity, "
            "entity_alias, feed_event, article_revision, lsh_band, entity_name_pin, "
            "entity_correction"
        )
        rebuild = _drop_secondary_indexes(cur, ("article", "article_entity"))
        cur.execute(
            "CREATE TEMP TABLE bulk_template (t int PRIMARY KEY, title text, body text, "
            "enrichment jsonb)"
        )
        cur.execute(
            "CREATE TEMP TABLE bulk_template_entity (t int, entity_id int, mention_count int, "
            "first_offset int, salience float8, label text)"
        )
        with cur.copy("COPY bulk_template FROM STDIN") as copy:
            for t, ((article, _), (text, data, _)) in enumerate(
                zip(templates, prepared, strict=True)
            ):
                copy.write_row((t, article.title, text, orjson.dumps(data).decode()))
        with cur.copy("COPY bulk_template_entity FROM STDIN") as copy:
            for t, (_, _, rows) in enumerate(prepared):
                for link in rows:
                    copy.write_row((t, *link))
        cur.execute(
            "ALTER TABLE bulk_template ADD COLUMN vector tsvector, ADD COLUMN title_vector tsvector"
        )
        cur.execute(
            "UPDATE bulk_template SET "
            "title_vector = setweight(to_tsvector('english', coalesce(title, '')), 'A'), "
            "vector = setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(body, '')), 'B')"
        )
        # Likewise the feed's columns (migration 0018), by the function its trigger calls.
        cur.execute(
            "ALTER TABLE bulk_template ADD COLUMN feed_entities text, "
            "ADD COLUMN feed_pipeline jsonb"
        )
        cur.execute(
            "UPDATE bulk_template SET feed_entities = article_feed_entities(enrichment), "
            "feed_pipeline = enrichment -> 'pipeline'"
        )
        # Each article is its template's stored values: PostgreSQL copies the already parsed and
        # compressed text and JSON (parsing 10 GB of JSON would be most of the load's time).
        for low in range(1, articles + 1, CHUNK):
            high = min(articles, low + CHUNK - 1)
            params = {
                "low": low,
                "high": high,
                "n": articles,
                "templates": len(templates),
                "base": BASE,
                "error": FAILED_ERROR,
            }
            cur.execute(_INSERT_ARTICLES, params)
            cur.execute(_INSERT_VECTORS, params)
            cur.execute(_INSERT_LINKS, params)
            print(f"[bulk] {high:,}/{articles:,} articles {elapsed()}", flush=True)
        with cur.copy(
            "COPY article_entity (article_id, entity_id, mention_count, first_offset, "
            "salience, label) FROM STDIN"
        ) as copy:
            for i in range(1, articles + 1):
                if _status(i, articles) == "enriched":
                    for entity_id, offset, label in tails.pick():
                        copy.write_row((i, entity_id, 1, offset, TAIL_SALIENCE, label))
        print(f"[bulk] long-tail entities linked {elapsed()}", flush=True)
        with cur.copy(
            "COPY entity (id, name, name_key, label, article_count) FROM STDIN WITH (FREEZE)"
        ) as copy:
            for key, entity_id in entities.ids.items():
                copy.write_row((entity_id, entities.names[key], key[0], key[1], 0))
        with cur.copy("COPY entity_alias (alias_key, entity_id) FROM STDIN WITH (FREEZE)") as copy:
            for row in sorted(entities.aliases):
                copy.write_row(row)
        cur.execute(
            "UPDATE entity SET article_count = c.n FROM (SELECT entity_id, count(*) AS n "
            "FROM article_entity GROUP BY entity_id) c WHERE c.entity_id = entity.id"
        )
        print(f"[bulk] rows in {elapsed()}; building indexes", flush=True)
        for statement in rebuild:
            cur.execute(statement)
        # One `created` event per enriched article, at its feed position (as migration 0010 does).
        cur.execute(
            "INSERT INTO feed_event (position, article_id, revision, kind, created_at) "
            "SELECT feed_seq, id, 1, 'created', enriched_at FROM article WHERE feed_seq IS NOT NULL"
        )
        cur.execute("UPDATE feed_counter SET value = (SELECT max(feed_seq) FROM article)")
        for table in ("article", "entity"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
    print(f"[bulk] committed {elapsed()}; VACUUM ANALYZE", flush=True)
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(
        f"[bulk] {articles:,} articles, {len(entities.ids):,} entities loaded {elapsed()}; "
        f"{database_size(url)}"
    )


def database_size(url: str) -> str:
    """The database's size on disk, and its largest parts."""
    with psycopg.connect(_libpq(url)) as conn:
        total = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
        parts = conn.execute(
            "SELECT relname, pg_size_pretty(pg_table_size(oid)), "
            "pg_size_pretty(pg_indexes_size(oid)) FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = 'public'::regnamespace ORDER BY pg_total_relation_size(oid) DESC "
            "LIMIT 4"
        ).fetchall()
    detail = ", ".join(f"{name} {table} + indexes {indexes}" for name, table, indexes in parts)
    return f"database size on disk {total[0] if total else '?'} ({detail})"


BASE = datetime(2026, 1, 1, tzinfo=UTC)
# The status of article i, in SQL and in Python (_status): one in a thousand failed, the newest
# twenty still waiting; feed positions count the enriched ones in id order.
_STATUS_SQL = (
    "CASE WHEN i > %(n)s - 20 THEN CASE WHEN i %% 2 = 1 THEN 'queued' ELSE 'pending' END "
    "WHEN i %% 1000 = 999 THEN 'failed' ELSE 'enriched' END"
)
_SERIES = (
    f"SELECT i, {_STATUS_SQL} AS st, %(base)s::timestamptz + i * interval '30 seconds' AS at "
    "FROM generate_series(%(low)s::int, %(high)s::int) AS i"
)
_INSERT_ARTICLES = (
    "INSERT INTO article (id, dedupe_key, source, external_id, title, language, published_at, "
    "content_type, raw, status, attempts, error, created_at, updated_at, queued_at, enriched_at, "
    "feed_seq, clean_text, detected_language, enrichment, search_vector, feed_entities, "
    "feed_pipeline) "
    "SELECT i, 'bulk:' || i, 'source' || (i %% 20) || '.example', 'bulk-' || i, tp.title, 'en', "
    "at, 'text', tp.body, st, CASE st WHEN 'enriched' THEN 1 WHEN 'failed' THEN 5 ELSE 0 END, "
    "CASE WHEN st = 'failed' THEN %(error)s END, at, at, CASE WHEN st <> 'pending' THEN at END, "
    "CASE WHEN st = 'enriched' THEN at END, CASE WHEN st = 'enriched' THEN i - (i + 1) / 1000 END, "
    "CASE WHEN st = 'enriched' THEN tp.body END, CASE WHEN st = 'enriched' THEN 'en' END, "
    "CASE WHEN st = 'enriched' THEN tp.enrichment END, "
    # Triggers are off during the load: the search vector is the template's, computed once.
    "CASE WHEN st = 'enriched' THEN tp.vector ELSE tp.title_vector END, "
    "CASE WHEN st = 'enriched' THEN tp.feed_entities END, "
    "CASE WHEN st = 'enriched' THEN tp.feed_pipeline END "
    f"FROM ({_SERIES}) g JOIN bulk_template tp ON tp.t = g.i %% %(templates)s ORDER BY i"
)
# Its copy for ranking (migration 0019), which a trigger writes outside the load.
_INSERT_VECTORS = (
    "INSERT INTO article_search (article_id, vector) "
    "SELECT i, CASE WHEN st = 'enriched' THEN tp.vector ELSE tp.title_vector END "
    f"FROM ({_SERIES}) g JOIN bulk_template tp ON tp.t = g.i %% %(templates)s ORDER BY i"
)
_INSERT_LINKS = (
    "INSERT INTO article_entity (article_id, entity_id, mention_count, first_offset, salience, "
    "label) SELECT i, te.entity_id, te.mention_count, te.first_offset, te.salience, te.label "
    f"FROM ({_SERIES}) g JOIN bulk_template_entity te ON te.t = g.i %% %(templates)s "
    "WHERE st = 'enriched' ORDER BY i, te.entity_id"
)
CHUNK = 100_000
FAILED_ERROR = (
    "gave up after 5 attempts: the worker died or was stopped while enriching this article "
    "each time"
)


def _status(i: int, articles: int) -> str:
    """Mostly enriched, as a live store is: one in a thousand failed, the newest few waiting."""
    if i > articles - 20:
        return "queued" if i % 2 else "pending"
    return "failed" if i % 1000 == 999 else "enriched"


class _Entities:
    """Entity ids by (name key, label), their display names, aliases and article counts."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], int] = {}
        self.names: dict[tuple[str, str], str] = {}
        self.aliases: set[tuple[str, int]] = set()
        self.counts: dict[int, int] = {}

    def add(self, name: str, label: str) -> int:
        key = (alias_key(name), label)
        entity_id = self.ids.setdefault(key, len(self.ids) + 1)
        self.names[key] = name
        return entity_id


class _TailEntities:
    """The long tail of a real store: most entities are named by a handful of articles. Each
    enriched article also names TAILS_PER_ARTICLE of `articles // 4` tail entities, drawn so that
    an entity's popularity falls off as 1/rank (a few in thousands of articles, most in one or
    two). They are rows of the join table (what the list filters read) with synthetic names; the
    article's stored JSON stays its template's, so they are not in its entity list."""

    def __init__(self, entities: _Entities, articles: int) -> None:
        self.entities = entities
        self.size = max(100, articles // 4)
        self.rng = random.Random(17)
        self.ids: dict[int, tuple[int, str]] = {}

    def pick(self) -> list[tuple[int, int, str]]:
        """(entity id, first offset, label) of this article's tail entities."""
        ranks = {int(self.size ** self.rng.random()) for _ in range(TAILS_PER_ARTICLE)}
        out = []
        for rank in sorted(ranks):
            entity_id, label = self._entity(rank)
            out.append((entity_id, 40 * (rank % 50), label))
        return out

    def _entity(self, rank: int) -> tuple[int, str]:
        if rank not in self.ids:
            name, label = f"Tailname {rank}", TAIL_LABELS[rank % len(TAIL_LABELS)]
            entity_id = self.entities.add(name, label)
            self.entities.aliases.add((alias_key(name), entity_id))
            self.ids[rank] = (entity_id, label)
        return self.ids[rank]


TAILS_PER_ARTICLE = 2
TAIL_SALIENCE = 0.1
TAIL_LABELS = ("PERSON", "ORG", "GPE")


def _drop_secondary_indexes(cur: psycopg.Cursor[Any], tables: tuple[str, ...]) -> list[str]:
    """Drop the indexes and unique constraints of `tables` other than the primary keys; return
    the statements that put them back exactly as the migrations made them."""
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
        (list(tables),),
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        (list(tables),),
    )
    indexes = cur.fetchall()
    for table, name, _ in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in constraints
    ]


Prepared = tuple[str, dict[str, Any], list[tuple[int, int, int, float, str]]]


def _prepared(enriched: EnrichedDocument, entities: _Entities) -> Prepared:
    """(clean text, enrichment as the worker stores it, article_entity rows)."""
    data = orjson.loads(orjson.dumps(enriched.to_dict(include_source_text=False)))
    data.pop("clean_text", None)
    rows = []
    for entity in data["entities"]:
        entity["id"] = entities.ids[(alias_key(entity["name"]), entity["label"])]
        rows.append(
            (
                entity["id"],
                entity["count"],
                entity["first_offset"],
                entity["salience"],
                entity["label"],
            )
        )
    return enriched.clean_text, data, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--force", action="store_true", help="reload even if already loaded")
    args = parser.parse_args()
    if not args.force and loaded_count(args.url) == args.articles:
        print(f"[bulk] {args.url} already holds {args.articles} articles")
        return
    load(args.url, args.articles)


if __name__ == "__main__":
    main()
