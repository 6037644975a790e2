"""Freshness: time from POST to the article being readable, enriched, through the read API.

A full stack runs as separate processes (ingest, API, one worker with 2 processes) on the bench
database. Probe articles are posted one at a time and their id polled on the API every 5 ms.
Each probe's freshness is compared with that same article's own in-process pipeline time, the
work that cannot be avoided. Measured idle, then with a background load posting at half the
rate the workers were measured to
sustain (a queued burst drained first).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Sequence

import httpx

from bench import series
from bench.backend import BenchBackend
from bench.corpus import BenchArticle, build_corpus
from bench.ingest_load import UNLIMITED, single_bodies
from bench.loadgen import open_loop
from bench.stats import Figure, Summary, percentile
from services.enrich.config import load_pipeline_config
from services.enrich.pipeline import SubmittedDocument, enrich
from shared.settings import Settings

SECTION = "Freshness"
WORKER_PROCESSES = 2


def pipeline_seconds(articles: Sequence[BenchArticle]) -> list[float]:
    """Each article's own in-process pipeline time (median of 3)."""
    config = load_pipeline_config(Settings())
    enrich(SubmittedDocument(text=articles[0].text), config)  # warm up
    times = []
    for article in articles:
        document = SubmittedDocument(text=article.text, title=article.title, source=article.source)
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            enrich(document, config)
            runs.append(time.perf_counter() - start)
        times.append(statistics.median(runs))
    return times


def drain_rate(backend: BenchBackend, count: int = 40) -> float:
    """Articles/s the running workers enrich from a full queue."""
    start = time.monotonic()
    backend.store_and_queue([a.as_ingest(salt="-drain") for a in build_corpus(count, seed=29)])
    done = backend.wait_enriched(backend.count("true"), timeout=600)
    return count / (done - start)


def probe(ingest: httpx.Client, api: httpx.Client, article: BenchArticle, salt: str) -> float:
    start = time.perf_counter()
    response = ingest.post("/v1/articles", json=article.as_ingest(salt=salt))
    response.raise_for_status()
    article_id = response.json()["id"]
    deadline = start + 120
    while time.perf_counter() < deadline:
        record = api.get(f"/v1/articles/{article_id}").json()
        if record["status"] == "enriched":
            return time.perf_counter() - start
        if record["status"] == "failed":
            raise RuntimeError(f"probe article {article_id} failed: {record['error']}")
        time.sleep(0.005)
    raise TimeoutError(f"probe article {article_id} not enriched after 120 s")


def run(*, probes: int = 20, repeats: int = 2) -> list[Figure]:
    articles = build_corpus(probes, seed=23)
    own = pipeline_seconds(articles)
    backend = BenchBackend()
    ingest, ingest_url = backend.service("ingest", **UNLIMITED)
    api, api_url = backend.service("api", **UNLIMITED)
    worker = backend.worker(WORKER_PROCESSES)
    sustained = drain_rate(backend)  # what these workers keep up with, on this machine, now
    results: dict[str, list[list[float]]] = {"idle": [], "load": []}
    try:
        with httpx.Client(base_url=ingest_url) as ic, httpx.Client(base_url=api_url) as ac:
            for r in range(repeats):
                for mode in ("idle", "load"):
                    results[mode].append(_round(ic, ac, articles, mode, sustained / 2, backend))
                    fresh = results[mode][-1]
                    print(
                        f"[fresh] repeat {r + 1} {mode}: p50 {percentile(fresh, 50) * 1e3:.0f}"
                        f" ms, p99 {percentile(fresh, 99) * 1e3:.0f} ms (own pipeline median "
                        f"{statistics.median(own) * 1e3:.0f} ms)"
                    )
    finally:
        worker.stop()
        api.stop()
        ingest.stop()
        backend.close()
    series.record(
        "freshness",
        {
            "POST -> readable enriched": [
                {
                    "load": mode,
                    "rate": 0.0 if mode == "idle" else sustained / 2,
                    "p50": [percentile(f, 50) * 1e3 for f in results[mode]],
                    "p99": [percentile(f, 99) * 1e3 for f in results[mode]],
                }
                for mode in ("idle", "load")
            ]
        },
        title="Freshness against the background article rate",
        rate_unit="background articles/s (0: idle; else half the sustained rate)",
    )
    figures = []
    for mode, label in (
        ("idle", "idle"),
        ("load", f"at half the sustained rate ({sustained / 2:.1f} articles/s)"),
    ):
        p50 = [percentile(f, 50) * 1e3 for f in results[mode]]
        p99 = [percentile(f, 99) * 1e3 for f in results[mode]]
        ratios = [
            statistics.median(f / o for f, o in zip(fresh, own, strict=True))
            for fresh in results[mode]
        ]
        figures.append(
            Figure(
                SECTION,
                f"POST -> readable enriched, {label}: p50",
                Summary.of(p50),
                "ms",
                Summary.of([statistics.median(own) * 1e3]),
                Summary.of(ratios),
                "<= 1.5x" if mode == "idle" else "(info)",
            )
        )
        figures.append(
            Figure(SECTION, f"POST -> readable enriched, {label}: p99", Summary.of(p99), "ms")
        )
    idle = figures[0]
    idle.met = idle.ratio is not None and idle.ratio.median <= 1.5
    return figures


def _round(
    ic: httpx.Client,
    ac: httpx.Client,
    articles: Sequence[BenchArticle],
    mode: str,
    rate: float,
    backend: BenchBackend,
) -> list[float]:
    salt = f"-{mode}-{uuid.uuid4().hex[:6]}"
    load: threading.Thread | None = None
    if mode == "load":
        seconds = len(articles) * 0.6 + 5
        background = build_corpus(50, seed=31)
        load = threading.Thread(
            target=open_loop,
            daemon=True,
            kwargs={
                "url": str(ic.base_url).rstrip("/") + "/v1/articles",
                "body": single_bodies(background, salt),
                "rate": rate,
                "connections": 8,
                "seconds": seconds,
            },
        )
        load.start()
        time.sleep(3)  # let the queue reach its steady state
    fresh = []
    for article in articles:
        fresh.append(probe(ic, ac, article, salt))
        time.sleep(0.1)
    if load is not None:
        load.join()
    backend.wait_enriched(backend.count("true"), timeout=300)  # drain before the next round
    return fresh
