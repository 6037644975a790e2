"""Enrichment throughput with workers on one host and on two hosts.

    python -m bench.multihost [--articles 80] [--repeats 2]

Hosts are Linux network namespaces made for the run (tests/support/hosts.py; needs root or
CAP_NET_ADMIN): a hub with the broker and a PostgreSQL cluster of its own, an edge with the
ingest service, and worker hosts w1, w2, each running `wirefeed worker --concurrency 1`. Every
process reaches the others by address only.

Per repeat and per host count, the workers are started and ready first, then the corpus is posted
to ingest in batches; the clock runs from the first POST until every article is enriched and in
the feed. The figure is articles/s, and the ratio 2 hosts / 1 host from runs made side by side.
On a 2-core machine two one-process hosts are the machine's whole CPU, so the ratio's ceiling is
the machine's own two-process ceiling (bench/RESULTS.md: bare NER x2 / x1), not 2.0.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Sequence

import httpx
import orjson
from sqlalchemy import create_engine, text

from bench import machine, series
from bench.backend import LOG_DIR
from bench.corpus import BenchArticle, build_corpus
from bench.ingest_load import UNLIMITED
from bench.stats import Summary, paired_ratios
from tests.support import hosts, netns
from tests.support.stack import reset_store

BATCH = 100


def one_run(
    cluster: hosts.Cluster,
    ingest_url: str,
    corpus: Sequence[BenchArticle],
    worker_hosts: Sequence[str],
) -> tuple[float, dict[str, int]]:
    """Seconds from the first POST to the last article in the feed, and each host's share."""
    engine = create_engine(cluster.backend.database_url)
    reset_store(engine)
    cluster.backend.flush_broker()
    workers = cluster.launch_workers(worker_hosts)
    try:
        cluster.wait_ready(workers)
        salt = f"-{uuid.uuid4().hex[:6]}"
        bodies = [a.as_ingest(salt=salt) for a in corpus]
        started = time.monotonic()
        with httpx.Client(timeout=60) as client:
            for i in range(0, len(bodies), BATCH):
                response = client.post(
                    f"{ingest_url}/v1/articles/batch",
                    content=orjson.dumps(bodies[i : i + BATCH]),
                    headers={"content-type": "application/json"},
                )
                response.raise_for_status()
        deadline = started + 900
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                done = connection.execute(
                    text("SELECT count(*) FROM article WHERE feed_seq IS NOT NULL")
                ).scalar_one()
                connection.rollback()
                if done >= len(corpus):
                    break
                time.sleep(0.05)
            else:
                raise TimeoutError(f"only {done}/{len(corpus)} enriched")
        elapsed = time.monotonic() - started
        shares = {
            host: proc.log().count('"article enriched"')
            for host, proc in zip(worker_hosts, workers, strict=True)
        }
        return elapsed, shares
    finally:
        for proc in workers:
            proc.stop()
            cluster.procs.remove(proc)
        engine.dispose()


def run(*, articles: int = 80, repeats: int = 2) -> dict[int, list[float]]:
    reason = netns.unavailable_reason() or hosts.unavailable_reason()
    if reason is not None:
        raise SystemExit(f"[multihost] cannot make hosts here: {reason}")
    started = machine.describe()
    corpus = build_corpus(articles)
    words = sum(a.words for a in corpus)
    print(f"[multihost] corpus: {len(corpus)} articles, {words} words; repeats {repeats}")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    seconds: dict[int, list[float]] = {1: [], 2: []}
    with hosts.cluster(["w1", "w2"], LOG_DIR) as (cluster, _):
        ingest_url = cluster.ingest("edge", **UNLIMITED)
        print(
            f"[multihost] hub {cluster.net.address('hub')} (broker, PostgreSQL), edge "
            f"{cluster.net.address('edge')} (ingest), workers "
            f"{cluster.net.address('w1')}, {cluster.net.address('w2')}"
        )
        for r in range(repeats):
            for count in (1, 2):
                elapsed, shares = one_run(cluster, ingest_url, corpus, ["w1", "w2"][:count])
                seconds[count].append(elapsed)
                print(
                    f"[multihost] repeat {r + 1}, {count} host(s): {elapsed:.1f}s, "
                    f"{len(corpus) / elapsed:.2f} articles/s; per host {shares}"
                )
    rates = {n: [len(corpus) / s for s in values] for n, values in seconds.items()}
    ratio = paired_ratios(rates[2], rates[1])
    print(
        f"[multihost] 1 host: {Summary.of(rates[1]).fmt(2)} articles/s; 2 hosts: "
        f"{Summary.of(rates[2]).fmt(2)} articles/s; 2 hosts / 1 host: {ratio.fmt(2)}"
    )
    series.record(
        "multihost",
        {
            "worker hosts (one process each)": [
                {"hosts": n, "articles_per_s": rates[n]} for n in (1, 2)
            ]
        },
        articles=len(corpus),
        words=words,
        ratio_2_over_1=[r2 / r1 for r2, r1 in zip(rates[2], rates[1], strict=True)],
        started=started,
    )
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=80)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    run(articles=args.articles, repeats=args.repeats)


if __name__ == "__main__":
    main()
