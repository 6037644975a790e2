"""Fill a dedicated PostgreSQL database with N enriched articles for the read-API bench.

    python -m bench.bulk_load --articles 100000 [--url postgresql+psycopg://...]

Real enrichment output, replicated: a few dozen corpus articles go through the pipeline once, and
every bulk article copies one of them (text, entities with mentions, removals), with its own id,
source, publication time and feed position, so entity popularity and row sizes are realistic.
Rows go in with COPY (psycopg), the counters are set to match, then ANALYZE.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
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
    entity_ids: dict[tuple[str, str], int] = {}
    names: dict[tuple[str, str], str] = {}
    aliases: set[tuple[str, int]] = set()
    for _, enriched in templates:
        for e in enriched.entities:
            key = (alias_key(e.name), e.label)
            entity_id = entity_ids.setdefault(key, len(entity_ids) + 1)
            names[key] = e.name
            aliases.update((alias_key(s), entity_id) for s in e.aliases)
    prepared = [_prepared(enriched, entity_ids) for _, enriched in templates]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    counts = _counts(prepared, articles)
    with psycopg.connect(_libpq(url)) as conn, conn.cursor() as cur:
        # Foreign keys are satisfied by construction; checking 2.5M rows one by one is slow.
        cur.execute("SET session_replication_role = replica")
        with cur.copy("COPY entity (id, name, name_key, label, article_count) FROM STDIN") as copy:
            for key, entity_id in entity_ids.items():
                copy.write_row((entity_id, names[key], key[0], key[1], counts.get(entity_id, 0)))
        with cur.copy(
            "COPY article (id, dedupe_key, source, external_id, title, language, "
            "published_at, content_type, raw, status, attempts, created_at, updated_at, "
            "queued_at, enriched_at, feed_seq, clean_text, detected_language, "
            "enrichment) FROM STDIN"
        ) as copy:
            for i in range(1, articles + 1):
                article, _ = templates[i % len(templates)]
                text, enrichment, _ = prepared[i % len(templates)]
                at = base + timedelta(seconds=30 * i)
                copy.write_row(
                    (
                        i,
                        f"bulk:{i}",
                        SOURCES[i % len(SOURCES)],
                        f"bulk-{i}",
                        article.title,
                        "en",
                        at,
                        "text",
                        text,
                        "enriched",
                        1,
                        at,
                        at,
                        at,
                        at,
                        i,
                        text,
                        "en",
                        enrichment,  # JSON text: COPY parses it into jsonb
                    )
                )
        with cur.copy(
            "COPY article_entity (article_id, entity_id, mention_count, first_offset, "
            "salience) FROM STDIN"
        ) as copy:
            for i in range(1, articles + 1):
                for row in prepared[i % len(templates)][2]:
                    copy.write_row((i, *row))
        with cur.copy("COPY entity_alias (alias_key, entity_id) FROM STDIN") as copy:
            for row in sorted(aliases):
                copy.write_row(row)
        # One `created` feed event per article, at the article's feed position.
        cur.execute(
            "INSERT INTO feed_event (position, article_id, revision, kind, created_at) "
            "SELECT feed_seq, id, 1, 'created', enriched_at FROM article"
        )
        cur.execute("UPDATE feed_counter SET value = %s", (articles,))
        for table in ("article", "entity"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(
        f"[bulk] {articles} articles, {len(entity_ids)} entities loaded in "
        f"{time.perf_counter() - started:.0f}s"
    )


Prepared = tuple[str, str, list[tuple[int, int, int, float]]]


def _counts(prepared: list[Prepared], articles: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for i in range(1, articles + 1):
        for entity_id, *_ in prepared[i % len(prepared)][2]:
            counts[entity_id] = counts.get(entity_id, 0) + 1
    return counts


def _prepared(enriched: EnrichedDocument, entity_ids: dict[tuple[str, str], int]) -> Prepared:
    """(clean text, enrichment JSON as the worker stores it, article_entity rows)."""
    data = orjson.loads(orjson.dumps(enriched.to_dict(include_source_text=False)))
    data.pop("clean_text", None)
    rows = []
    for entity in data["entities"]:
        entity["id"] = entity_ids[(alias_key(entity["name"]), entity["label"])]
        rows.append((entity["id"], entity["count"], entity["first_offset"], entity["salience"]))
    return enriched.clean_text, orjson.dumps(data).decode(), rows  # JSON text, parsed by COPY


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
