"""Read API latency over a store of N enriched articles (bench/bulk_load.py), and the query plan
behind every request.

    python -m bench.read_api --articles 1000000 --url postgresql+psycopg://.../db --label 1m

Every list filter, the entity pages, an article, the feed and the entity list are each driven
closed-loop for a few seconds (one connection, so the figure is the service's own latency; one
uvicorn process) and their p50/p99 reported; the baseline is a GET on the bare FastAPI app,
measured the same way in the same run. The plans come from EXPLAIN (ANALYZE, BUFFERS) on the very
statements the API issues for each request (captured from an in-process app over the same
database), so a query change shows up here without touching this file.
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bench import bulk_load, machine, series
from bench.backend import BenchBackend
from bench.ingest_load import UNLIMITED, start_bare
from bench.loadgen import get_loop
from bench.stats import Figure, Summary
from services.api.cursor import encode_cursor

SECTION = "Read API"
TARGET_MS = 20.0

PathFactory = Callable[[int], str]


@dataclass(frozen=True, slots=True)
class Request:
    name: str
    path: PathFactory


def _scalar_rows(backend: BenchBackend, sql: str) -> list[Any]:
    with backend.engine.connect() as connection:
        return list(connection.execute(text(sql)).all())


def requests(backend: BenchBackend, articles: int) -> list[Request]:
    """Every read the API offers, with arguments that are hard for it: the most and least
    popular entity, a mid-sized one, the rarest label, a filter that matches nothing."""
    by_popularity = _scalar_rows(
        backend,
        "SELECT name, label, article_count FROM entity WHERE article_count > 0 "
        "ORDER BY article_count DESC, id",
    )
    popular, rare = by_popularity[0], by_popularity[-1]
    middle = min(by_popularity, key=lambda row: abs(row[2] - 1000))
    labels = _scalar_rows(
        backend, "SELECT label, count(*) FROM entity GROUP BY label ORDER BY count(*), label"
    )
    rarest_label = labels[0][0]
    first_published = _scalar_rows(backend, "SELECT min(published_at) FROM article")[0][0]
    day_from = first_published + (articles // 2) * timedelta(seconds=30)
    window = f"published_from={quote(day_from.isoformat())}&published_to=" + quote(
        (day_from + timedelta(days=1)).isoformat()
    )
    rng = random.Random(5)

    def fixed(path: str) -> PathFactory:
        return lambda i: path

    def entity(row: Any, extra: str = "") -> PathFactory:
        return fixed(f"/v1/articles?entity={quote(row[0])}&limit=50{extra}")

    return [
        Request("list, no filter", fixed("/v1/articles?limit=50")),
        Request(
            "list, page in the middle (cursor)",
            fixed(f"/v1/articles?limit=50&cursor={encode_cursor(articles // 2)}"),
        ),
        Request(f"entity page, popular ({popular[2]} articles)", entity(popular)),
        Request(f"entity page, mid ({middle[2]} articles)", entity(middle)),
        Request(f"entity page, rare ({rare[2]} articles)", entity(rare)),
        Request("entity page + entity_type", entity(popular, f"&entity_type={popular[1]}")),
        Request("entity page + about (salient only)", entity(popular, "&about=true")),
        Request("entity page, mid + about", entity(middle, "&about=true")),
        Request("entity page + source", entity(popular, "&source=source3.example")),
        Request("entity_type=PERSON", fixed("/v1/articles?entity_type=PERSON&limit=50")),
        Request(
            f"entity_type={rarest_label} (rarest label)",
            fixed(f"/v1/articles?entity_type={rarest_label}&limit=50"),
        ),
        Request("source", fixed("/v1/articles?source=source3.example&limit=50")),
        Request("status=enriched", fixed("/v1/articles?status=enriched&limit=50")),
        Request("status=failed (0.1%)", fixed("/v1/articles?status=failed&limit=50")),
        Request("status=pending (newest few)", fixed("/v1/articles?status=pending&limit=50")),
        Request("published in one day", fixed(f"/v1/articles?{window}&limit=50")),
        Request("article by id", lambda i: f"/v1/articles/{rng.randint(1, articles)}"),
        Request(
            "feed page (100 items)",
            lambda i: f"/v1/feed?after={rng.randint(0, articles - 200)}&limit=100",
        ),
        Request("entities, most mentioned", fixed("/v1/entities?limit=50")),
        Request("entities by type", fixed("/v1/entities?type=PERSON&limit=50")),
        Request("entities by name", fixed(f"/v1/entities?name={quote(popular[0])}")),
    ]


@contextmanager
def _captured() -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _m: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH", "SET")):
            statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", capture)


_SCAN = re.compile(
    r"((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)"
    r"(?: Backward)?(?: using \S+)? on \S+)"
)


Statements = list[tuple[str, Any]]


def issued(backend: BenchBackend, reads: list[Request]) -> dict[str, Statements]:
    """The statements (SQL, parameters) the API issues for each request's first path, captured
    from an in-process app over the same database."""
    from services.api.app import create_api_app

    found: dict[str, Statements] = {}
    with TestClient(create_api_app(backend.settings)) as client:
        for read in reads:
            with _captured() as statements:
                response = client.get(read.path(0))
            if response.status_code != 200:
                raise RuntimeError(f"{read.name}: {response.status_code} {response.text}")
            found[read.name] = statements
    return found


def replay(connection: Any, statements: Statements) -> None:
    """The statements once, in one transaction as the request had them (SET LOCAL included),
    every row fetched."""
    for statement, parameters in statements:
        result = connection.exec_driver_sql(statement, parameters)
        if result.returns_rows:
            result.fetchall()
    connection.rollback()


def explain(
    backend: BenchBackend, reads: list[Request], captured: dict[str, Statements] | None = None
) -> tuple[list[str], dict[str, str]]:
    """EXPLAIN ANALYZE of the statements the API issues for each request (`captured`, else
    captured here): the full plans, and per request a one-line summary (scans used, total
    execution time)."""
    captured = captured if captured is not None else issued(backend, reads)
    plans: list[str] = []
    summaries: dict[str, str] = {}
    for read in reads:
        total, scans, queries = 0.0, [], 0
        # One transaction, as the request had: a planner setting it made (SET LOCAL) holds
        # for the statements after it, so it is replayed, not explained.
        with backend.engine.connect() as connection:
            for statement, parameters in captured[read.name]:
                if statement.lstrip().upper().startswith("SET"):
                    connection.exec_driver_sql(statement, parameters)
                    continue
                queries += 1
                plan = [
                    row[0]
                    for row in connection.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
                    ).all()
                ]
                plans.append(f"-- {read.name}: {read.path(0)}\n" + "\n".join(plan))
                total += sum(
                    float(line.split(":")[1].split()[0])
                    for line in plan
                    if line.startswith("Execution Time")
                )
                scans += [m.group(1) for line in plan if (m := _SCAN.search(line))]
        summaries[read.name] = f"{queries} statement(s), {total:.2f} ms; " + "; ".join(
            dict.fromkeys(scans)
        )
    return plans, summaries


def run(
    *,
    repeats: int = 3,
    seconds: float = 3.0,
    connections: int = 1,
    articles: int = 100_000,
    url: str = bulk_load.DEFAULT_URL,
    label: str = "",
) -> tuple[list[Figure], list[str]]:
    started = machine.describe()
    if bulk_load.loaded_count(url) != articles:
        bulk_load.load(url, articles)
    print(f"[read] {articles:,} articles; {bulk_load.database_size(url)}")
    backend = BenchBackend(url, fresh=False)
    reads = requests(backend, articles)
    plans, summaries = explain(backend, reads)
    for name, summary in summaries.items():
        print(f"[read] plan, {name}: {summary}")
    bare, bare_url = start_bare()
    api, api_url = backend.service("api", **UNLIMITED)
    results: dict[str, dict[str, list[float]]] = {r.name: {"p50": [], "p99": []} for r in reads}
    bare_p99: list[float] = []
    try:
        for r in range(repeats):
            b = get_loop(bare_url, lambda i: "/healthz", connections=connections, seconds=seconds)
            bare_p99.append(b.p(99))
            for read in reads:
                m = get_loop(api_url, read.path, connections=connections, seconds=seconds)
                if m.errors:
                    raise RuntimeError(f"{read.name}: {m.errors} failed requests")
                results[read.name]["p50"].append(m.p(50))
                results[read.name]["p99"].append(m.p(99))
            print(
                f"[read] repeat {r + 1}: bare p99 {bare_p99[-1]:.1f} ms; "
                + "; ".join(
                    f"{n} p50 {v['p50'][-1]:.1f} p99 {v['p99'][-1]:.1f}" for n, v in results.items()
                )
            )
    finally:
        api.stop()
        bare.terminate()
        bare.wait(10)
        backend.engine.dispose()
        backend.celery.close()
    series.record(
        f"read_api{'-' + label if label else ''}",
        {
            "reads": [
                {"request": name, "path": read.path(0), **values, "plan": summaries[name]}
                for (name, values), read in zip(results.items(), reads, strict=True)
            ]
        },
        title=f"Read API at {articles:,} articles{' (' + label + ')' if label else ''}",
        articles=articles,
        size=bulk_load.database_size(url),
        bare_p99=bare_p99,
        started=started,
    )
    figures = []
    for name, values in results.items():
        figures.append(Figure(SECTION, f"{name} p50", Summary.of(values["p50"]), "ms"))
        p99 = Figure(
            SECTION,
            f"{name} p99 (baseline: bare GET p99)",
            Summary.of(values["p99"]),
            "ms",
            Summary.of(bare_p99),
            target=f"<= {TARGET_MS:.0f} ms",
        )
        p99.met = p99.measured.median <= TARGET_MS
        figures.append(p99)
    return figures, plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--url", default=bulk_load.DEFAULT_URL)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--label", default="", help="suffix of bench/figures/read_api-<label>.json")
    parser.add_argument("--plans", help="also write the full EXPLAIN ANALYZE plans to this file")
    args = parser.parse_args()
    figures, plans = run(
        repeats=args.repeats,
        seconds=args.seconds,
        articles=args.articles,
        url=args.url,
        label=args.label,
    )
    for figure in figures:
        print(f"[read] {figure.name}: {figure.measured.fmt(1)} {figure.unit}")
    if args.plans:
        with open(args.plans, "w", encoding="utf-8") as out:
            out.write("\n\n".join(plans) + "\n")


if __name__ == "__main__":
    main()
