"""Fault 7: the same article posted ten times at once gets one row, and every answer its id."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.reliability.harness import (
    Ingest,
    article,
    record_result,
    settle,
)
from tests.support.processes import start_worker
from tests.support.services import Backend

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("backend_name", ["pg_redis", "sqlite_valkey"])
@pytest.mark.slow  # started first (tests/conftest.py)
def test_same_article_posted_concurrently(
    backend_name: str, request: pytest.FixtureRequest, log_dir: Path
) -> None:
    backend: Backend = request.getfixturevalue(backend_name)
    started = time.monotonic()
    ingest = Ingest(backend, log_dir)
    worker = start_worker(backend, log_dir, concurrency=1)
    try:
        rounds = 5  # five different articles, each posted ten times at once
        for round_ in range(rounds):
            same = [article(round_, tag="same") for _ in range(10)]
            answers = ingest.post_many(same, threads=10)
            assert all(a.status == 202 for a in answers), [(a.status, a.body) for a in answers]
            ids = {a.body["id"] for a in answers}
            assert len(ids) == 1, f"ten posts of one article got ids {ids}"
            assert sum(not a.body["duplicate"] for a in answers) == 1

        accepted = ingest.log.accepted_ids()
        assert len(accepted) == rounds
        result = settle(backend, accepted, timeout=60)
    finally:
        worker.stop()
        ingest.close()
    assert result.enriched == rounds and result.duplicates == 0
    record_result(
        "7 same article posted 10x concurrently",
        backend=backend.name,
        posted=len(ingest.log.exchanges),
        faults=rounds,
        result=result,
        note=f"{rounds} articles x 10 concurrent posts; 1 row each, same id in all answers",
        seconds=time.monotonic() - started,
    )
