"""Migration 0010 turns the per-article feed positions into `created` events, on both
databases, so a consumer's saved `after` position stays valid across the upgrade."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.services import drop_database, production_backend
from wirefeed.migrate import upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    url = production_backend().database_url
    try:
        yield url
    finally:
        drop_database(url)


def test_feed_positions_become_created_events(empty_database: str) -> None:
    upgrade(empty_database, "0001")
    engine = create_engine(empty_database)
    try:
        with engine.begin() as connection:
            for article_id, seq in ((1, 2), (2, None), (3, 1)):
                connection.execute(
                    text(
                        "INSERT INTO article (id, dedupe_key, content_type, raw, status, "
                        "attempts, created_at, updated_at, enriched_at, feed_seq) VALUES "
                        "(:id, :key, 'text', 'x', :status, 1, :at, :at, :at, :seq)"
                    ),
                    {
                        "id": article_id,
                        "key": f"k{article_id}",
                        "status": "enriched" if seq else "queued",
                        "at": "2026-11-01 10:00:00+00:00",
                        "seq": seq,
                    },
                )
        upgrade(empty_database)
        with engine.connect() as connection:
            events = connection.execute(
                text("SELECT position, article_id, revision, kind FROM feed_event ORDER BY 1")
            ).all()
            revisions = connection.execute(text("SELECT revision FROM article")).scalars().all()
    finally:
        engine.dispose()
    assert [tuple(e) for e in events] == [(1, 3, 1, "created"), (2, 1, 1, "created")]
    assert set(revisions) == {1}
