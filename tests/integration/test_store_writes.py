"""The worker's result write on both store pairs, called directly (no worker): PostgreSQL takes
multi-row statements of its own (services/enrich/pg_rows.py, the one-statement feed position),
SQLite the portable ones, and both must leave exactly the same rows: the article's entity rows,
the entities' counts, the aliases, the LSH bands, one feed event per result, nothing more for a
redelivery, and a re-enrichment that replaces the rows with the counts kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.enrich.identity import PipelineIdentity
from services.enrich.near_duplicates import BANDS
from services.enrich.pipeline.document import EnrichedDocument, EntityGroup
from services.enrich.store import (
    Reenriched,
    claim_attempt,
    pending_revisions,
    save_enriched,
    save_reenriched,
)
from services.ingest.store import store_articles
from shared.db import make_engine
from shared.schemas import ArticleIn
from tests.support.enrichment import enriched_document, mention
from tests.support.services import Backend
from tests.support.stack import reset_store

TEXT = "Vladimir Putin met Olaf Scholz in Berlin on Monday. Putin left early."
IDENTITY = PipelineIdentity("test", "model", "1", "rules", "aliases")


@pytest.fixture
def engine(backend: Backend) -> Iterator[Engine]:
    made = make_engine(backend.database_url)
    reset_store(made)
    yield made
    made.dispose()


def _result(*groups: EntityGroup) -> EnrichedDocument:
    return enriched_document(
        TEXT, *groups, metadata={"title": "From the page", "url": "https://example.com/a"}
    )


def _putin() -> EntityGroup:
    group = EntityGroup("Vladimir Putin", "PERSON", [mention("Vladimir Putin", 0)], 0.9)
    group.mentions.append(mention("Putin", TEXT.index("Putin left")))
    return group


def _scholz() -> EntityGroup:
    return EntityGroup("Olaf Scholz", "PERSON", [mention("Olaf Scholz", 19)], 0.5)


def _berlin() -> EntityGroup:
    return EntityGroup("Berlin", "GPE", [mention("Berlin", 34, "GPE")], 0.3)


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def _stored(engine: Engine) -> int:
    with Session(engine) as session:
        [stored] = store_articles(
            session=session, items=[ArticleIn.model_validate({"text": TEXT, "source": "wire"})]
        )
    with Session(engine) as session:
        claim = claim_attempt(session=session, article_id=stored.id)
    assert claim is not None and claim.attempts == 1
    with Session(engine) as session:
        assert pending_revisions(session=session, article_id=stored.id) == []
    return stored.id


def test_a_result_is_written_once_with_its_rows(engine: Engine) -> None:
    article_id = _stored(engine)
    with Session(engine) as session:
        seq = save_enriched(
            session=session,
            article_id=article_id,
            revision=1,
            enriched=_result(_putin(), _scholz(), _berlin()),
            identity=IDENTITY,
        )
    assert seq == 1
    with Session(engine) as session:  # a redelivery: nothing more is written
        again = save_enriched(
            session=session,
            article_id=article_id,
            revision=1,
            enriched=_result(_putin(), _scholz(), _berlin()),
            identity=IDENTITY,
        )
    assert again is None

    entities = {
        name: (entity_id, label, count)
        for entity_id, name, label, count, seen in _rows(
            engine, "SELECT id, name, label, article_count, last_seen_at FROM entity"
        )
        if seen is not None
    }
    assert {name: (label, count) for name, (_, label, count) in entities.items()} == {
        "Vladimir Putin": ("PERSON", 1),
        "Olaf Scholz": ("PERSON", 1),
        "Berlin": ("GPE", 1),
    }
    putin, scholz, berlin = (entities[n][0] for n in ("Vladimir Putin", "Olaf Scholz", "Berlin"))
    assert sorted(
        _rows(
            engine,
            "SELECT entity_id, mention_count, first_offset, salience, label FROM article_entity",
        )
    ) == sorted(
        [(putin, 2, 0, 0.9, "PERSON"), (scholz, 1, 19, 0.5, "PERSON"), (berlin, 1, 34, 0.3, "GPE")]
    )
    assert set(_rows(engine, "SELECT alias_key, entity_id FROM entity_alias")) == {
        ("vladimir putin", putin),
        ("putin", putin),
        ("olaf scholz", scholz),
        ("berlin", berlin),
    }
    assert _rows(engine, "SELECT count(DISTINCT band), count(*) FROM lsh_band") == [(BANDS, BANDS)]
    assert _rows(engine, "SELECT position, article_id, revision, kind, cause FROM feed_event") == [
        (1, article_id, 1, "created", "revision")
    ]
    [(status, feed_seq, title, url, minhash, stored_ids)] = _rows(
        engine,
        "SELECT status, feed_seq, title, url, minhash, enrichment FROM article",
    )
    assert (status, feed_seq, title, url) == (
        "enriched",
        1,
        "From the page",
        "https://example.com/a",
    )
    assert minhash is not None and len(minhash) == 8 * 2 * BANDS
    record = json.loads(stored_ids) if isinstance(stored_ids, str) else stored_ids  # SQLite: text
    assert {e["name"]: e["id"] for e in record["entities"]} == {
        "Vladimir Putin": putin,
        "Olaf Scholz": scholz,
        "Berlin": berlin,
    }
    assert _rows(engine, "SELECT value FROM feed_counter") == [(1,)]


def test_a_changed_reenrichment_replaces_the_rows_with_counts_kept(engine: Engine) -> None:
    article_id = _stored(engine)
    with Session(engine) as session:
        save_enriched(
            session=session,
            article_id=article_id,
            revision=1,
            enriched=_result(_putin(), _scholz()),
            identity=IDENTITY,
        )
    with Session(engine) as session:
        outcome = save_reenriched(
            session=session,
            article_id=article_id,
            revision=1,
            job_id=7,
            enriched=_result(_scholz(), _berlin()),
            identity=IDENTITY,
        )
    assert outcome is Reenriched.changed
    counts = dict(_rows(engine, "SELECT name, article_count FROM entity"))
    assert counts == {"Vladimir Putin": 0, "Olaf Scholz": 1, "Berlin": 1}
    assert sorted(
        _rows(
            engine,
            "SELECT e.name FROM article_entity a JOIN entity e ON e.id = a.entity_id",
        )
    ) == [("Berlin",), ("Olaf Scholz",)]
    assert _rows(
        engine, "SELECT e.name FROM former_mention f JOIN entity e ON e.id = f.entity_id"
    ) == [("Vladimir Putin",)]
    assert _rows(engine, "SELECT count(*) FROM lsh_band") == [(BANDS,)]
    assert _rows(engine, "SELECT position, kind, cause FROM feed_event ORDER BY position") == [
        (1, "created", "revision"),
        (2, "updated", "reenrich"),
    ]
    assert _rows(engine, "SELECT feed_seq, reenrich_job_id FROM article") == [(2, 7)]
    with Session(engine) as session:  # the job's redelivery
        assert (
            save_reenriched(
                session=session,
                article_id=article_id,
                revision=1,
                job_id=7,
                enriched=_result(_scholz(), _berlin()),
                identity=IDENTITY,
            )
            is Reenriched.duplicate
        )
    assert _rows(engine, "SELECT count(*) FROM feed_event") == [(2,)]


def test_an_earlier_revision_still_waits_after_the_claim(engine: Engine) -> None:
    item = {"text": TEXT, "source": "wire", "external_id": "story-1"}
    with Session(engine) as session:
        [first] = store_articles(session=session, items=[ArticleIn.model_validate(item)])
    with Session(engine) as session:  # revised before the first revision was enriched
        store_articles(
            session=session, items=[ArticleIn.model_validate({**item, "text": TEXT + " More."})]
        )
    with Session(engine) as session:
        claim = claim_attempt(session=session, article_id=first.id)
    assert claim is not None and claim.revision == 2
    with Session(engine) as session:
        waiting = pending_revisions(session=session, article_id=first.id)
    assert [revision.revision for revision in waiting] == [1]
