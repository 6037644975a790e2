"""Throughput of the whole wirefeed pipeline against the bare model's NER on the same texts.

Speed lives here, never in tests. Both sides get the same NER-only model and the same texts.
They are timed in CPU seconds (wall time on a shared machine measures the neighbours), in
alternating rounds; the ratio is the median of the rounds' ratios, so a slow spell hits both.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich_many

ROUNDS = 9


@dataclass(frozen=True, slots=True)
class Throughput:
    documents: int
    words: int
    wirefeed_seconds: float  # best round
    bare_seconds: float
    ratio: float  # wirefeed throughput as a share of the bare model's, median over rounds

    @property
    def wirefeed_words_per_second(self) -> float:
        return self.words / self.wirefeed_seconds

    @property
    def bare_words_per_second(self) -> float:
        return self.words / self.bare_seconds


def _seconds(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


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
    bare_times, wirefeed_times = [], []
    for _ in range(rounds):
        bare_times.append(_seconds(bare))
        wirefeed_times.append(_seconds(lambda: enrich_many(documents, config)))
    ratio = statistics.median(b / w for b, w in zip(bare_times, wirefeed_times, strict=True))
    words = sum(len(t.split()) for t in clean_texts)
    return Throughput(len(documents), words, min(wirefeed_times), min(bare_times), ratio)


_DETECTOR_MEMORY_PROBE = """
def rss_kb():
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmRSS:")).split()[1])
before = rss_kb()
from services.enrich.language_detector import load_language_detector
load_language_detector()
print(rss_kb() - before)
"""


@dataclass(frozen=True, slots=True)
class DetectorCost:
    resident_mb: float  # memory the loaded detector adds to a fresh process
    ms_per_document: float


def measure_language_detector(clean_texts: Sequence[str], config: PipelineConfig) -> DetectorCost:
    """Memory in a fresh interpreter (this one already holds spaCy), time per clean text."""
    import subprocess
    import sys

    probe = subprocess.run(
        [sys.executable, "-c", _DETECTOR_MEMORY_PROBE], capture_output=True, text=True, check=True
    )
    from services.enrich.pipeline.language import judge_language

    def detect_all() -> None:
        for text in clean_texts:
            judge_language(text, hint=None, detector=config.language_detector)

    seconds = min(_seconds(detect_all) for _ in range(ROUNDS))
    return DetectorCost(int(probe.stdout.strip()) / 1024, 1000 * seconds / len(clean_texts))
