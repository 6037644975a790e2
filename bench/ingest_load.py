"""Ingest: single-article POST rate and latency against a bare FastAPI endpoint, and batch ingest.

Both servers run as one uvicorn process on this machine, one after the other, driven by the same
load generator (bench/loadgen.py) in this process; runs are interleaved so drift cancels. No
worker runs: the queue only fills (it is emptied afterwards).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Sequence

import httpx
import orjson
import psycopg
from sqlalchemy.engine import make_url

from bench import series
from bench.backend import LOG_DIR, POSTGRES_URL, BenchBackend, free_port
from bench.corpus import BenchArticle, build_corpus
from bench.loadgen import closed_loop, open_loop
from bench.stats import Figure, Summary, paired_ratios, percentile
from tests.support.processes import REPO, wait_until

SECTION = "Ingest"
# The ingest's per-client rate limit would throttle a load test from one address.
UNLIMITED = {"WIREFEED_RATE_LIMIT_PER_SECOND": "1000000", "WIREFEED_RATE_LIMIT_BURST": "1000000"}


def start_bare() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = open(LOG_DIR / f"bare-{port}.log", "wb")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bare_app", "--port", str(port)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(url + "/healthz"), 30, "bare app")
    return process, url


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def single_bodies(corpus: Sequence[BenchArticle], salt: str):  # type: ignore[no-untyped-def]
    articles = [a.as_ingest() for a in corpus]

    def body(index: int) -> bytes:
        article = articles[index % len(articles)]
        return orjson.dumps({**article, "external_id": f"{article['external_id']}-{salt}-{index}"})

    return body


def batch_rate(
    url: str,
    corpus: Sequence[BenchArticle],
    *,
    batch: int,
    batches: int,
    salt: str,
    seconds: float = 4.0,
) -> float:
    """Articles/s through /v1/articles/batch, two requests in flight (one ingest process).
    Every request carries new articles (its number goes into each external id): re-posting the
    same few bodies measured the duplicate path after the first `batches` requests."""
    bodies = []
    for b in range(batches):
        items = [
            {**corpus[(b * batch + i) % len(corpus)].as_ingest(salt=f"-{salt}-{b}-{i}-{_MARK}")}
            for i in range(batch)
        ]
        bodies.append(orjson.dumps(items))

    def body(index: int) -> bytes:
        return bodies[index % len(bodies)].replace(_MARK.encode(), str(index).encode())

    result = closed_loop(url + "/v1/articles/batch", body, connections=2, seconds=seconds)
    if result.errors:
        raise RuntimeError(f"{result.errors} batch requests failed")
    return result.requests * batch / result.seconds


_MARK = "@request@"  # replaced by the request's number: unique external ids in every request


def commit_latencies(url: str, body: str, *, seconds: float) -> list[float]:
    """Bare `INSERT; COMMIT` of one article-sized row at a time on one connection, no server in
    between: the durable write's own latency on this machine's disk, the floor under a single
    POST's latency (its answer waits for its group's commit)."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    latencies: list[float] = []
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_commit (id bigserial PRIMARY KEY, body text)"
        )
        conn.commit()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            conn.execute("INSERT INTO bench_commit (body) VALUES (%s)", (body,))
            conn.commit()
            latencies.append(time.perf_counter() - start)
        conn.execute("DROP TABLE bench_commit")
        conn.commit()
    return latencies


def run(
    *, repeats: int = 3, seconds: float = 5.0, connections: int = 64, batch: int = 200
) -> list[Figure]:
    corpus = build_corpus(100)
    backend = BenchBackend()
    bare, bare_url = start_bare()
    ingest, ingest_url = backend.service("ingest", **UNLIMITED)
    try:
        bare_rates: list[float] = []
        rates: list[float] = []
        p50: list[float] = []
        p99: list[float] = []
        bare_p99: list[float] = []
        # (rate, p50, p99) per repeat, at half the max rate (open loop) and at the max (closed)
        points: dict[str, list[tuple[str, float, float, float]]] = {"ingest": [], "bare": []}
        batch_rates: list[float] = []
        commit_p50: list[float] = []
        commit_p99: list[float] = []
        for r in range(repeats):
            salt = uuid.uuid4().hex[:6]
            b = closed_loop(
                bare_url + "/v1/articles",
                single_bodies(corpus, salt),
                connections=connections,
                seconds=seconds,
            )
            m = closed_loop(
                ingest_url + "/v1/articles",
                single_bodies(corpus, salt),
                connections=connections,
                seconds=seconds,
            )
            if m.errors or b.errors:
                raise RuntimeError(f"errors: ingest {m.errors}, bare {b.errors}")
            bare_rates.append(b.rate)
            rates.append(m.rate)
            half = m.rate / 2
            h = open_loop(
                ingest_url + "/v1/articles",
                single_bodies(corpus, salt + "h"),
                rate=half,
                connections=connections,
                seconds=seconds,
            )
            hb = open_loop(
                bare_url + "/v1/articles",
                single_bodies(corpus, salt + "h"),
                rate=half,
                connections=connections,
                seconds=seconds,
            )
            p50.append(h.p(50))
            p99.append(h.p(99))
            bare_p99.append(hb.p(99))
            commits = sorted(commit_latencies(POSTGRES_URL, str(corpus[0].text), seconds=3.0))
            commit_p50.append(percentile(commits, 50) * 1000)
            commit_p99.append(percentile(commits, 99) * 1000)
            points["ingest"] += [
                ("half", half, h.p(50), h.p(99)),
                ("max", m.rate, m.p(50), m.p(99)),
            ]
            points["bare"] += [
                ("half", half, hb.p(50), hb.p(99)),
                ("max", b.rate, b.p(50), b.p(99)),
            ]
            batch_rates.append(batch_rate(ingest_url, corpus, batch=batch, batches=10, salt=salt))
            backend.backend.flush_broker()
            print(
                f"[ingest] repeat {r + 1}: bare {b.rate:.0f}/s, ingest {m.rate:.0f}/s; at "
                f"{half:.0f}/s p50 {p50[-1]:.1f} ms p99 {p99[-1]:.1f} ms (bare p99 "
                f"{bare_p99[-1]:.1f} ms; bare INSERT;COMMIT p99 {commit_p99[-1]:.1f} ms); batch "
                f"{batch_rates[-1]:.0f} articles/s"
            )
            time.sleep(0.5)
    finally:
        ingest.stop()
        bare.terminate()
        bare.wait(10)
        backend.close()
    series.record(
        "ingest_load",
        {
            f"{name} single POST": [
                {
                    "load": load,
                    "rate": [r for k, r, _, _ in found if k == load],
                    "p50": [v for k, _, v, _ in found if k == load],
                    "p99": [v for k, _, _, v in found if k == load],
                }
                for load in ("half", "max")
            ]
            for name, found in points.items()
        },
        title="Single POST latency against request rate",
        rate_unit="requests/s (half the max rate: open loop; max: 64 connections, closed loop)",
    )
    figures = [
        Figure(
            SECTION,
            f"single POST max rate ({connections} connections) vs bare FastAPI",
            Summary.of(rates),
            "req/s",
            Summary.of(bare_rates),
            paired_ratios(rates, bare_rates),
            ">= 0.5",
        ),
        Figure(SECTION, "single POST p50 at half the max rate", Summary.of(p50), "ms"),
        Figure(
            SECTION,
            "single POST p99 at half the max rate (baseline: bare p99)",
            Summary.of(p99),
            "ms",
            Summary.of(bare_p99),
            target="<= 20 ms",
        ),
        Figure(
            SECTION,
            "bare INSERT; COMMIT of one article row, p99 (baseline: p50); the durable write's "
            "floor",
            Summary.of(commit_p99),
            "ms",
            Summary.of(commit_p50),
        ),
        Figure(
            SECTION,
            f"batch ingest ({batch} new articles per request, 2 in flight), one process",
            Summary.of(batch_rates),
            "articles/s",
            target=">= 10000/s",
        ),
    ]
    figures[0].met = figures[0].ratio is not None and figures[0].ratio.median >= 0.5
    figures[2].met = figures[2].measured.median <= 20
    figures[4].met = figures[4].measured.median >= 10000
    return figures


def main() -> None:
    """`python -m bench.ingest_load [--repeats N]`: this section alone, printed as RESULTS.md rows
    with the load average before and after (make bench runs it through bench.run_all)."""
    import argparse
    import os

    from bench.run_all import _cell

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    before = os.getloadavg()
    figures = run(repeats=args.repeats)
    after = os.getloadavg()
    print("| figure | measured | baseline | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for figure in figures:
        print("| " + " | ".join(_cell(figure)) + " |")
    print(f"load average (1, 5, 15 min): before {before}, after {after}")


if __name__ == "__main__":
    main()
