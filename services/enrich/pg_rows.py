"""Multi-row writes of an enrichment result on PostgreSQL, one statement of fixed text each.

Each statement takes one array per column and unnests it (as services/ingest/store.py does for
articles): the text is the same for any number of rows, so psycopg prepares it once per
connection and the server plans it once, where SQLAlchemy's executemany sent a multi-row
`VALUES` of a new text for every row count, and the ORM built and flushed an object per row.
The arrays go in binary (`%b`). SQLite takes the portable statements in services/enrich/store.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

# New entities, in key order, so concurrent writers lock in one order.
_INSERT_ENTITIES = (
    "INSERT INTO entity (name, name_key, label, article_count)"
    " SELECT n, k, l, 0 FROM unnest(%(names)b::varchar[], %(keys)b::varchar[],"
    " %(labels)b::varchar[]) AS u(n, k, l) ORDER BY k, l"
    " ON CONFLICT (name_key, label) DO NOTHING"
)
# A statement of its own after the insert: it sees rows a concurrent writer committed while the
# insert waited on them (one statement's snapshot would not).
_ENTITY_IDS = (
    "SELECT e.name_key, e.label, e.id FROM entity e"
    " JOIN unnest(%(keys)b::varchar[], %(labels)b::varchar[]) AS u(k, l)"
    " ON e.name_key = u.k AND e.label = u.l"
)
_INSERT_ALIASES = (
    "INSERT INTO entity_alias (alias_key, entity_id)"
    " SELECT k, i FROM unnest(%(keys)b::varchar[], %(ids)b::int[]) AS u(k, i) ORDER BY k, i"
    " ON CONFLICT (alias_key, entity_id) DO NOTHING"
)
# The article's rows and its entities' counts and last-seen dates, in one statement.
_INSERT_ARTICLE_ENTITIES = (
    "WITH added AS (INSERT INTO article_entity"
    " (article_id, entity_id, mention_count, first_offset, salience, label)"
    " SELECT %(article_id)s, i, c, o, s, l FROM unnest(%(ids)b::int[], %(counts)b::int[],"
    " %(offsets)b::int[], %(saliences)b::float8[], %(labels)b::varchar[]) AS u(i, c, o, s, l))"
    " UPDATE entity SET article_count = article_count + 1,"
    " last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < %(seen)s"
    " THEN %(seen)s ELSE last_seen_at END"
    " WHERE id = ANY(%(ids)b::int[])"
)
# The article's bands go in, and the enriched articles of other sources sharing one come out
# (the select sees the table as it was before this statement: never the article itself).
_BANDS_AND_CANDIDATES = (
    "WITH added AS (INSERT INTO lsh_band (band, band_hash, article_id)"
    " SELECT b, h, %(article_id)s FROM unnest(%(bands)b::int[], %(hashes)b::bigint[]) AS u(b, h))"
    " SELECT a.id, a.minhash, a.wire_credit FROM article a WHERE a.id IN ("
    "  SELECT l.article_id FROM lsh_band l"
    "  JOIN unnest(%(bands)b::int[], %(hashes)b::bigint[]) AS u(b, h)"
    "  ON l.band = u.b AND l.band_hash = u.h)"
    " AND a.id <> %(article_id)s AND a.status = %(enriched)s"
    " AND coalesce(a.source, '') <> %(source)s"
)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _run(session: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    # On the session's own connection and transaction, below SQLAlchemy (for `%b`).
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description is not None else []


def upsert_entities(
    session: Session, wanted: Sequence[tuple[tuple[str, str], str]]
) -> dict[tuple[str, str], int]:
    """Insert the ((key, label), name) entities the store lacks; the id of each."""
    keys = [key for (key, _), _ in wanted]
    labels = [label for (_, label), _ in wanted]
    names = [name for _, name in wanted]
    _run(session, _INSERT_ENTITIES, {"names": names, "keys": keys, "labels": labels})
    rows = _run(session, _ENTITY_IDS, {"keys": keys, "labels": labels})
    return {(key, label): entity_id for key, label, entity_id in rows}


def insert_aliases(session: Session, aliases: Sequence[tuple[str, int]]) -> None:
    if aliases:
        keys = [key for key, _ in aliases]
        ids = [entity_id for _, entity_id in aliases]
        _run(session, _INSERT_ALIASES, {"keys": keys, "ids": ids})


def insert_article_entities(
    session: Session, article_id: int, rows: Sequence[dict[str, Any]], seen_at: datetime
) -> None:
    """The article's entity rows (ArticleEntity columns), counted on their entities."""
    if rows:
        _run(
            session,
            _INSERT_ARTICLE_ENTITIES,
            {
                "article_id": article_id,
                "ids": [row["entity_id"] for row in rows],
                "counts": [row["mention_count"] for row in rows],
                "offsets": [row["first_offset"] for row in rows],
                "saliences": [float(row["salience"]) for row in rows],
                "labels": [row["label"] for row in rows],
                "seen": seen_at,
            },
        )


def bands_and_candidates(
    session: Session, article_id: int, source: str | None, bands: Sequence[int], enriched: str
) -> list[tuple[int, bytes | None, str | None]]:
    """Index the article's bands; the (id, minhash, wire_credit) of the other sources' enriched
    articles that share one."""
    rows = _run(
        session,
        _BANDS_AND_CANDIDATES,
        {
            "article_id": article_id,
            "bands": list(range(len(bands))),
            "hashes": list(bands),
            "enriched": enriched,
            "source": source or "",
        },
    )
    return [(i, m, w) for i, m, w in rows]
