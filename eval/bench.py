"""Throughput of the whole wirefeed pipeline against the bare model's NER on the same texts.

Speed lives here, never in tests. Both sides get the same NER-only model and the same batch of
texts; each is timed several times and the best run counts, to damp machine noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich_many

ROUNDS = 5


@dataclass(frozen=True, slots=True)
class Throughput:
    documents: int
    words: int
    wirefeed_seconds: float
    bare_seconds: float

    @property
    def wirefeed_words_per_second(self) -> float:
        return self.words / self.wirefeed_seconds

    @property
    def bare_words_per_second(self) -> float:
        return self.words / self.bare_seconds

    @property
    def ratio(self) -> float:
        """wirefeed throughput as a share of the bare model's (1.0: no cost at all)."""
        return self.bare_seconds / self.wirefeed_seconds


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure_throughput(
    documents: Sequence[SubmittedDocument],
    clean_texts: Sequence[str],
    config: PipelineConfig,
    *,
    rounds: int = ROUNDS,
) -> Throughput:
    nlp: Any = config.nlp

    def bare() -> None:
        for _ in nlp.pipe(clean_texts):
            pass

    bare()  # warm up both before timing
    enrich_many(documents, config)
    # Interleave so both see the same machine load.
    wirefeed_best = bare_best = float("inf")
    for _ in range(rounds):
        bare_best = min(bare_best, _seconds(bare))
        wirefeed_best = min(wirefeed_best, _seconds(lambda: enrich_many(documents, config)))
    words = sum(len(t.split()) for t in clean_texts)
    return Throughput(len(documents), words, wirefeed_best, bare_best)
