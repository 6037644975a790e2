"""Fault-injection harness: real ingest/worker/relay processes, a client-side log of every
request and answer, and an audit of the final store against that log."""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.support.processes import (
    REPO,
    Proc,
    backend_env,
    start_service,
    start_worker,
    wait_until,
)
from tests.support.services import Backend, free_port

# A test run leaves the tracked report alone unless asked: set WIREFEED_TEST_RESULTS_DIR to
# tests/reliability to refresh RESULTS.md and results.json here.
RESULTS_JSON = (
    Path(os.environ.get("WIREFEED_TEST_RESULTS_DIR", REPO / "var" / "test-results"))
    / "results.json"
)
CITIES = ["Lisbon", "Berlin", "Nairobi", "Osaka", "Lima", "Oslo", "Cairo", "Quito", "Hanoi"]
PEOPLE = ["Maria Silva", "John Carter", "Aiko Tanaka", "Ahmed Hassan", "Olga Petrova"]


def article(index: int, *, tag: str = "r", extra: str = "") -> dict[str, Any]:
    """A small distinct article with entities and one boilerplate line."""
    city, person = CITIES[index % len(CITIES)], PEOPLE[index % len(PEOPLE)]
    text_ = (
        f"{city} council met on Monday to discuss item {index} of the budget.\n"
        f"Mayor {person} told reporters in {city} that the plan would pass. {extra}\n"
        "Read also| Markets rally as rates hold steady"
    )
    return {"text": text_, "source": f"reliability-{tag}", "external_id": f"{tag}-{index}"}


@dataclass
class Exchange:
    """One request and what came back (or the transport error)."""

    key: str
    status: int | None
    body: Any
    error: str | None = None
    seconds: float = 0.0  # how long the answer took


class ClientLog:
    """Every request a test makes to ingest and every answer, thread-safe."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def accepted_ids(self) -> set[int]:
        return {e.body["id"] for e in self.exchanges if e.status == 202}

    def statuses(self) -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for e in self.exchanges:
            counts[e.status] = counts.get(e.status, 0) + 1
        return counts


class Ingest:
    """A real ingest process and a client that logs everything."""

    def __init__(self, backend: Backend, log_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.proc = start_service(backend, log_dir, "ingest", self.port, **env)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        self.log = ClientLog()

    def post(self, body: dict[str, Any]) -> Exchange:
        key = body.get("external_id") or "?"
        began = time.monotonic()
        try:
            response = self.client.post("/v1/articles", json=body)
            exchange = Exchange(key, response.status_code, _json_or_text(response))
        except httpx.HTTPError as exc:
            exchange = Exchange(key, None, None, error=f"{type(exc).__name__}: {exc}")
        exchange.seconds = time.monotonic() - began
        self.log.record(exchange)
        return exchange

    def post_many(
        self,
        bodies: Iterable[dict[str, Any]],
        *,
        threads: int = 4,
        between: Callable[[int], None] | None = None,
    ) -> list[Exchange]:
        """Post concurrently; `between(i)` runs in the caller's thread after each submission."""
        with ThreadPoolExecutor(threads) as pool:
            futures = []
            for index, body in enumerate(bodies):
                futures.append(pool.submit(self.post, body))
                if between is not None:
                    between(index)
            return [f.result() for f in futures]

    def close(self) -> None:
        self.client.close()
        self.proc.stop()


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def start_relay(backend: Backend, log_dir: Path, **env: str) -> Proc:
    settings = {"WIREFEED_RELAY_INTERVAL": "0.5", "WIREFEED_RELAY_PENDING_AFTER": "1", **env}
    proc = Proc("relay", ["relay"], backend_env(backend, **settings), log_dir)
    proc.wait_for_log("relay started", timeout=30)
    return proc


def worker_children(worker: Proc) -> list[int]:
    """The prefork pool's child pids (Linux /proc)."""
    path = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def count_in_logs(procs: Iterable[Proc], needle: str) -> int:
    return sum(p.log().count(needle) for p in procs)


def log_tails(procs: Iterable[Proc], lines: int = 15) -> str:
    """The last lines each process logged, for a failure message (CI keeps no temp files)."""
    return "\n".join(f"--- {p.name}:\n" + "\n".join(p.log().splitlines()[-lines:]) for p in procs)


# ---- the audit ------------------------------------------------------------------------------


@dataclass
class Audit:
    accepted: int
    enriched: int
    failed: int
    unfinished: int
    duplicates: int  # extra results: feed events beyond one per article, or doubled counts
    failed_errors: dict[int, str]
    max_attempts: int  # the most deliveries any article took


def store_engine(backend: Backend) -> Engine:
    return create_engine(backend.database_url)


def final_states(engine: Engine, ids: set[int]) -> dict[int, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status FROM article")).all()
    return {i: s for i, s in rows if i in ids}


def wait_all_final(engine: Engine, ids: set[int], timeout: float) -> None:
    def done() -> bool:
        states = final_states(engine, ids)
        return len(states) == len(ids) and all(s in ("enriched", "failed") for s in states.values())

    try:
        wait_until(done, timeout, f"{len(ids)} articles to end enriched or failed", interval=0.5)
    except AssertionError as timed_out:
        # Say where the stragglers are stuck (pending: never sent; queued: sent, not taken).
        states = final_states(engine, ids)
        stuck = Counter(s for s in states.values() if s not in ("enriched", "failed"))
        missing = len(ids) - len(states)
        raise AssertionError(f"{timed_out}; unfinished {dict(stuck)}, no row {missing}") from None


def settle(backend: Backend, accepted: set[int], *, timeout: float) -> Audit:
    """Wait until every accepted article is final, then audit the store."""
    engine = store_engine(backend)
    try:
        wait_all_final(engine, accepted, timeout)
        return audit(engine, accepted)
    finally:
        engine.dispose()


def audit(engine: Engine, accepted: set[int]) -> Audit:
    """Check the store against the ids the client was given: one row each, one result each,
    feed positions unique and contiguous, entity counts not inflated by a double write."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status, error, attempts FROM article")).all()
        events = connection.execute(
            text("SELECT position, article_id FROM feed_event ORDER BY position")
        ).all()
        entity_drift = connection.execute(
            text(
                "SELECT COUNT(*) FROM entity e WHERE e.article_count <> "
                "(SELECT COUNT(*) FROM article_entity ae WHERE ae.entity_id = e.id)"
            )
        ).scalar_one()
        counter = connection.execute(text("SELECT value FROM feed_counter")).scalar_one()
    by_id = {r.id: r for r in rows}
    assert set(by_id) == accepted, (
        f"store rows {len(by_id)} != accepted {len(accepted)}; "
        f"unknown rows {sorted(set(by_id) - accepted)[:10]}, "
        f"lost {sorted(accepted - set(by_id))[:10]}"
    )
    enriched = [r for r in rows if r.status == "enriched"]
    failed = {r.id: r.error or "" for r in rows if r.status == "failed"}
    seqs = [e.position for e in events]
    in_feed = {e.article_id for e in events}
    duplicates = (len(seqs) - len(in_feed)) + entity_drift
    assert seqs == list(range(1, len(seqs) + 1)), f"feed positions not contiguous: {seqs[:20]}..."
    assert counter == len(seqs), f"feed counter {counter} != feed entries {len(seqs)}"
    assert in_feed == {r.id for r in enriched}, "an enriched article is missing from the feed"
    assert all(failed.values()), "a failed article carries no error"
    return Audit(
        accepted=len(accepted),
        enriched=len(enriched),
        failed=len(failed),
        unfinished=len(rows) - len(enriched) - len(failed),
        duplicates=duplicates,
        failed_errors=failed,
        max_attempts=max((r.attempts for r in rows), default=0),
    )


# ---- figures for the report -----------------------------------------------------------------


def record_result(
    fault: str,
    *,
    backend: str,
    posted: int,
    faults: int,
    result: Audit,
    note: str = "",
    seconds: float = 0.0,
) -> None:
    """Merge one fault's figures into results.json (RESULTS.md is rendered from it)."""
    figures = {
        "posted": posted,
        "accepted": result.accepted,
        "faults_injected": faults,
        "enriched": result.enriched,
        "failed": result.failed,
        "duplicates": result.duplicates,
        "lost": result.unfinished,
        "max_attempts": result.max_attempts,
        "seconds": round(seconds, 1),
        "note": note,
    }
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    # Parallel test processes record at once: read, merge and write under an exclusive lock.
    with open(RESULTS_JSON.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
        data[f"{fault} [{backend}]"] = figures
        RESULTS_JSON.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def render_results() -> None:
    if not RESULTS_JSON.exists():
        return
    data = json.loads(RESULTS_JSON.read_text())
    lines = [
        "# Fault-injection results",
        "",
        "Written by the tests in tests/reliability when run with "
        "`WIREFEED_TEST_RESULTS_DIR=tests/reliability` (`results.json` holds the same figures). "
        "`lost` = accepted articles not final at the end; `duplicates` = extra results "
        "(feed entries beyond one per article, or entity counts inflated by a double write).",
        "",
        "| fault | posted | accepted | faults injected | enriched | failed | duplicates | lost "
        "| max attempts | seconds | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, r in sorted(data.items()):
        lines.append(
            f"| {name} | {r['posted']} | {r['accepted']} | {r['faults_injected']} | "
            f"{r['enriched']} | {r['failed']} | {r['duplicates']} | {r['lost']} | "
            f"{r.get('max_attempts', '')} | {r['seconds']} | {r['note']} |"
        )
    RESULTS_JSON.with_name("RESULTS.md").write_text("\n".join(lines) + "\n")


__all__ = ["Ingest", "Proc", "start_worker", "start_relay", "worker_children"]
