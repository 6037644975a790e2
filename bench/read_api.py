"""Read API latency over a store of 100,000 enriched articles (bench/bulk_load.py), and the query
plans behind each endpoint.

Each endpoint is driven closed-loop for a few seconds (one connection, so the figure is the
service's own latency; one uvicorn process) and its p50/p99 reported; the baseline is a GET on
the bare FastAPI app, measured the same way in the same run. The plans come from
EXPLAIN (ANALYZE, BUFFERS) on the very statements the API issues.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from sqlalchemy import event, text
from sqlmodel import Session

from bench import bulk_load
from bench.backend import BenchBackend
from bench.ingest_load import UNLIMITED, start_bare
from bench.loadgen import get_loop
from bench.stats import Figure, Summary
from services.api.queries import ArticleFilter, feed_page, list_articles
from shared.aliases import load_aliases
from shared.models import Article

SECTION = "Read API"


def _entities(backend: BenchBackend) -> tuple[tuple[str, int], tuple[str, int]]:
    with backend.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT name, article_count FROM entity WHERE article_count > 0 "
                "ORDER BY article_count DESC, id"
            )
        ).all()
    return (rows[0][0], rows[0][1]), (rows[-1][0], rows[-1][1])


def endpoints(backend: BenchBackend, articles: int) -> dict[str, Callable[[int], str]]:
    (popular, pop_n), (rare, rare_n) = _entities(backend)
    rng = random.Random(5)
    return {
        f"entity page, popular entity ({pop_n} articles)": lambda i: (
            f"/v1/articles?entity={quote(popular)}&limit=50"
        ),
        f"entity page, rare entity ({rare_n} articles)": lambda i: (
            f"/v1/articles?entity={quote(rare)}&limit=50"
        ),
        "article by id": lambda i: f"/v1/articles/{rng.randint(1, articles)}",
        "feed page (100 items)": (
            lambda i: f"/v1/feed?after={rng.randint(0, articles - 100)}&limit=100"
        ),
    }


def explain(backend: BenchBackend, articles: int) -> list[str]:
    """EXPLAIN ANALYZE of the statements the API's query functions issue."""
    (popular, _), _ = _entities(backend)
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: Any) -> None:
        captured.append((statement, parameters))

    aliases = load_aliases(None)
    out = []
    calls: dict[str, Callable[[Session], object]] = {
        "entity page": lambda s: list_articles(
            s, filters=ArticleFilter(entity=popular), aliases=aliases, before_id=None, limit=51
        ),
        "article by id": lambda s: s.get(Article, articles // 2),
        "feed page": lambda s: feed_page(s, after=articles // 2, limit=101),
    }
    for name, call in calls.items():
        captured.clear()
        event.listen(backend.engine, "before_cursor_execute", capture)
        with Session(backend.engine) as session:
            call(session)
        event.remove(backend.engine, "before_cursor_execute", capture)
        for statement, parameters in captured:
            with backend.engine.connect() as connection:
                plan = connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
                ).all()
            out.append(f"-- {name}\n" + "\n".join(row[0] for row in plan))
    return out


def run(
    *, repeats: int = 3, seconds: float = 3.0, connections: int = 1, articles: int = 100_000
) -> tuple[list[Figure], list[str]]:
    if bulk_load.loaded_count(bulk_load.DEFAULT_URL) != articles:
        bulk_load.load(bulk_load.DEFAULT_URL, articles)
    backend = BenchBackend(bulk_load.DEFAULT_URL, fresh=False)
    plans = explain(backend, articles)
    paths = endpoints(backend, articles)
    bare, bare_url = start_bare()
    api, api_url = backend.service("api", **UNLIMITED)
    results: dict[str, dict[str, list[float]]] = {n: {"p50": [], "p99": []} for n in paths}
    bare_p99: list[float] = []
    try:
        for r in range(repeats):
            b = get_loop(bare_url, lambda i: "/healthz", connections=connections, seconds=seconds)
            bare_p99.append(b.p(99))
            for name, path in paths.items():
                m = get_loop(api_url, path, connections=connections, seconds=seconds)
                if m.errors:
                    raise RuntimeError(f"{name}: {m.errors} failed requests")
                results[name]["p50"].append(m.p(50))
                results[name]["p99"].append(m.p(99))
            print(
                f"[read] repeat {r + 1}: bare p99 {bare_p99[-1]:.1f} ms; "
                + "; ".join(
                    f"{n.split(' (')[0]} p50 {v['p50'][-1]:.1f} p99 {v['p99'][-1]:.1f} ms"
                    for n, v in results.items()
                )
            )
    finally:
        api.stop()
        bare.terminate()
        bare.wait(10)
        backend.engine.dispose()
        backend.celery.close()
    figures = []
    for name, values in results.items():
        figures.append(Figure(SECTION, f"{name} p50", Summary.of(values["p50"]), "ms"))
        p99 = Figure(
            SECTION,
            f"{name} p99 (baseline: bare GET p99)",
            Summary.of(values["p99"]),
            "ms",
            Summary.of(bare_p99),
            target="<= 20 ms",
        )
        p99.met = p99.measured.median <= 20
        figures.append(p99)
    return figures, plans
