"""Consumer reads (issue 9) over 100,000 bulk-loaded PostgreSQL articles: an article by id (the
slim default record, and with include=mentions), a feed page of 100, and full-text searches.
Each request is driven closed-loop (one connection, one uvicorn process) for a few seconds per
repeat; next to each figure, the bare query: the statements the API issued for it replayed
closed-loop on one connection right after (p50/p99 of the replays: what the database and the
driver cost, without the service), and their EXPLAIN ANALYZE (read_api.explain). Appends a
section to bench/RESULTS.md.

    python -m bench.consumer_reads [--repeats 3] [--seconds 3] [--no-write] [--url URL]
                                   [--articles N]   # N other than 100,000: a database of its own
"""

from __future__ import annotations

import argparse
import random
import time
from urllib.parse import quote

import httpx
import psycopg

from bench import bulk_load, machine
from bench.backend import BenchBackend
from bench.ingest_load import UNLIMITED, start_bare
from bench.loadgen import get_loop
from bench.read_api import Request, Statements, explain, issued, replay
from bench.stats import Summary, percentile
from wirefeed.migrate import upgrade

# A database of its own: the schema must have the search column (migration 0014_fts).
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wirefeed_bench_consumer"
ARTICLES = 100_000
TARGETS = {"article": 20.0, "feed": 30.0, "search": 50.0}
# About a feed page of 100 (430-435 KB): the bare app serves a body this big as the floor for it.
FEED_BYTES = 430_000


def _has_search_column(url: str) -> bool:
    try:
        with psycopg.connect(bulk_load._libpq(url)) as conn:
            row = conn.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'article' AND column_name = 'search_vector'"
            ).fetchone()
            return row is not None
    except psycopg.OperationalError:
        return False


def requests(articles: int) -> list[tuple[Request, str]]:
    rng = random.Random(9)

    def fixed(path: str) -> Request:
        return Request(path, lambda i: path)

    return [
        (
            Request(
                "article by id (default record)",
                lambda i: f"/v1/articles/{rng.randint(1, articles)}",
            ),
            "article",
        ),
        (
            Request(
                "article by id, include=mentions",
                lambda i: f"/v1/articles/{rng.randint(1, articles)}?include=mentions",
            ),
            "article",
        ),
        (
            Request(
                "feed page (100 items)",
                lambda i: f"/v1/feed?after={rng.randint(0, articles - 200)}&limit=100",
            ),
            "feed",
        ),
        (
            Request("search, one common word (q=minister)", fixed("/v1/articles?q=minister").path),
            "search",
        ),
        (
            Request(
                'search, phrase (q="prime minister")',
                fixed("/v1/articles?q=" + quote('"prime minister"')).path,
            ),
            "search",
        ),
        (
            Request(
                "search, rare word OR another (q=glacier OR vaccine)",
                fixed("/v1/articles?q=" + quote("glacier OR vaccine")).path,
            ),
            "search",
        ),
        (
            Request(
                "search + source filter, newest first",
                fixed("/v1/articles?q=minister&source=source3.example&sort=newest").path,
            ),
            "search",
        ),
    ]


def _replays(backend: BenchBackend, statements: Statements, seconds: float) -> list[float]:
    """Milliseconds per replay of a request's statements, closed-loop for `seconds`."""
    times: list[float] = []
    with backend.engine.connect() as connection:
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            started = time.perf_counter()
            replay(connection, statements)
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--url", default=URL, help="the bench database (loaded when empty)")
    parser.add_argument("--articles", type=int, default=ARTICLES, help="articles in the database")
    args = parser.parse_args()
    started = machine.describe()
    if not _has_search_column(args.url) or bulk_load.loaded_count(args.url) != args.articles:
        bulk_load.load(args.url, args.articles)
    else:
        # Loaded by older code: brought to the current schema (a migration's backfill included).
        upgrade(args.url)
    backend = BenchBackend(args.url, fresh=False)
    reads = requests(args.articles)
    captured = issued(backend, [r for r, _ in reads])
    _, summaries = explain(backend, [r for r, _ in reads], captured)
    bare, bare_url = start_bare()
    api, api_url = backend.service("api", **UNLIMITED)
    p50: dict[str, list[float]] = {r.name: [] for r, _ in reads}
    p99: dict[str, list[float]] = {r.name: [] for r, _ in reads}
    bare_p99: list[float] = []
    sized: dict[str, list[float]] = {"p50": [], "p99": []}
    replayed: dict[str, dict[str, list[float]]] = {r.name: {"p50": [], "p99": []} for r, _ in reads}
    sizes: dict[str, int] = {}
    try:
        for repeat in range(args.repeats):
            bare_p99.append(get_loop(bare_url, lambda i: "/healthz", seconds=args.seconds).p(99))
            big = get_loop(bare_url, lambda i: f"/bytes/{FEED_BYTES}", seconds=args.seconds)
            sized["p50"].append(big.p(50))
            sized["p99"].append(big.p(99))
            for read, _ in reads:
                m = get_loop(api_url, read.path, seconds=args.seconds)
                if m.errors:
                    raise RuntimeError(f"{read.name}: {m.errors} failed requests")
                p50[read.name].append(m.p(50))
                p99[read.name].append(m.p(99))
                bare_times = _replays(backend, captured[read.name], args.seconds / 2)
                replayed[read.name]["p50"].append(percentile(bare_times, 50))
                replayed[read.name]["p99"].append(percentile(bare_times, 99))
            print(
                f"[consumer] repeat {repeat + 1}: "
                + "; ".join(f"{n} p99 {v[-1]:.1f} ms" for n, v in p99.items()),
                flush=True,
            )
        with httpx.Client(base_url=api_url) as client:
            for read, _ in reads[:3]:
                sizes[read.name] = len(client.get(read.path(0)).content)
    finally:
        api.stop()
        bare.terminate()
        bare.wait(10)
        backend.engine.dispose()
        backend.celery.close()
    machine_line = ", ".join(f"{k} {v}" for k, v in started.items())
    lines = [
        "",
        "## Consumer reads (issue 9: slim records, feed, full-text search)",
        "",
        f"Command: `python -m bench.consumer_reads --repeats {args.repeats} --seconds "
        f"{args.seconds:g}`; {args.articles:,} bulk-loaded PostgreSQL articles "
        f"({bulk_load.database_size(args.url)}); one connection, one uvicorn process. "
        f"Machine at start: {machine_line}. Median [min-max] over {args.repeats} repeats; "
        "'bare query' is the EXPLAIN ANALYZE execution time of the statements the API issued "
        "for that request (one run, the first path); 'bare statements' are those statements "
        "replayed closed-loop on one connection after each repeat's HTTP loop (p50 / p99 ms, "
        "median over the repeats): the floor under the endpoint's figure.",
        "",
        f"Bare FastAPI GET p99 (baseline): {Summary.of(bare_p99).fmt(1)} ms; a bare GET of a "
        f"{FEED_BYTES:,}-byte body (sync handler, a feed page's size): p50 "
        f"{Summary.of(sized['p50']).fmt(1)}, p99 {Summary.of(sized['p99']).fmt(1)} ms",
        "",
        "| request | p50 ms | p99 ms | bare statements p50 / p99 ms | bare query (EXPLAIN) "
        "| target p99 | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for read, kind in reads:
        median = Summary.of(p99[read.name])
        target = TARGETS[kind]
        bare = replayed[read.name]
        lines.append(
            f"| {read.name} | {Summary.of(p50[read.name]).fmt(1)} | {median.fmt(1)} | "
            f"{Summary.of(bare['p50']).median:.1f} / {Summary.of(bare['p99']).median:.1f} | "
            f"{summaries[read.name]} | <= {target:.0f} ms | "
            f"{'yes' if median.median <= target else '**no**'} |"
        )
    lines += [
        "",
        "Response bytes (one request each, no gzip): "
        + "; ".join(f"{n}: {s:,}" for n, s in sizes.items()),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        with open("bench/RESULTS.md", "a", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()
