"""Where the enrichment worker's own work goes, per article, outside the NLP pipeline.

    python -m bench.worker_store_profile --articles 160 --rounds 3
    python -m bench.worker_store_profile --articles 160 --rounds 3 --baseline main

Stores N bench-corpus articles as the ingest service does, then runs the worker's
`process_article` on each, in this process, against PostgreSQL (WIREFEED_BENCH_POSTGRES_URL).
The pipeline's result is computed once per article before the measured rounds and handed back
from a cache, so only the claim and the store are measured. Each stage is timed in three ways,
per article: this process's CPU, the PostgreSQL backend's CPU (read from /proc: the server runs
on this machine) and wall time. CPU times hardly move with the machine's load; wall times do.

`--baseline REV` runs REV's code too (a `git archive` of it in a temporary directory, in a
subprocess with its own database), its rounds alternating with this tree's, and prints both
side by side. Stages are found by name; a stage a version lacks shows as "-".
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# (label, module, attribute): wrapped where the module has it. Nested stages are indented.
STAGES = (
    ("claim_attempt", "services.enrich.processing", "claim_attempt"),
    ("pending_revisions", "services.enrich.processing", "pending_revisions"),
    ("save_enriched", "services.enrich.processing", "save_enriched"),
    ("  _write_entities", "services.enrich.store", "_write_entities"),
    ("    find_links", "services.enrich.store", "find_links"),
    ("  link_syndication", "services.enrich.store", "link_syndication"),
    ("  _store_result", "services.enrich.store", "_store_result"),
)
TOTAL = "process_article (pipeline cached)"


class Clocks:
    """This process's CPU, the database backends' CPU and wall time, in seconds."""

    def __init__(self) -> None:
        self.backend_pids: list[int] = []
        self._tick = os.sysconf("SC_CLK_TCK")

    def server(self) -> float:
        total = 0
        for pid in self.backend_pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / self._tick

    def now(self) -> tuple[float, float, float]:
        return time.process_time(), self.server(), time.perf_counter()


class Recorder:
    def __init__(self, clocks: Clocks) -> None:
        self.clocks = clocks
        self.spent: dict[str, list[float]] = {}  # label -> [cpu, server, wall, calls]

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        start = self.clocks.now()
        try:
            yield
        finally:
            end = self.clocks.now()
            row = self.spent.setdefault(label, [0.0, 0.0, 0.0, 0.0])
            for i in range(3):
                row[i] += end[i] - start[i]
            row[3] += 1

    def wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(label):
                return function(*args, **kwargs)

        return timed


def measure(database_url: str, articles: int, warm_up: int) -> dict[str, Any]:
    """One measured round in this process (after a warm-up round): ms per article per stage."""
    import importlib

    from sqlalchemy import text
    from sqlmodel import Session

    from bench.backend import recreate_database
    from bench.corpus import build_corpus
    from services.enrich import processing
    from services.enrich.config import load_pipeline_config
    from services.enrich.identity import pipeline_identity
    from services.ingest.store import store_articles
    from shared.db import make_engine
    from shared.schemas import ArticleIn
    from shared.settings import Settings
    from tests.support.stack import reset_store

    settings = Settings(database_url=database_url)
    config = load_pipeline_config(settings)
    identity = pipeline_identity(settings)
    corpus = build_corpus(articles)
    real_enrich = processing.enrich
    cache: dict[str, Any] = {}
    misses = [0]

    def cached_enrich(document: Any, config: Any) -> Any:
        key = f"{document.title}\x1f{document.text}"
        if key not in cache:
            misses[0] += 1
            cache[key] = real_enrich(document, config)
        return cache[key]

    for a in corpus:  # the pipeline runs here, once per article, outside any round
        cached_enrich(_doc(a), config)
    misses[0] = 0
    processing.enrich = cached_enrich  # type: ignore[assignment]

    recreate_database(database_url)
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    clocks = Clocks()
    recorder = Recorder(clocks)
    for _, module_name, attribute in STAGES:
        module = importlib.import_module(module_name)
        if hasattr(module, attribute):
            setattr(module, attribute, recorder.wrap(attribute, getattr(module, attribute)))

    def one_round(salt: str, count: int) -> None:
        reset_store(engine)
        items = [ArticleIn.model_validate(a.as_ingest(salt=salt)) for a in corpus[:count]]
        with Session(engine) as session:
            ids = [s.id for s in store_articles(session=session, items=items)]
        with engine.connect() as connection:  # the pool's one connection: its backend
            clocks.backend_pids = [
                int(connection.execute(text("SELECT pg_backend_pid()")).one()[0])
            ]
        recorder.spent.clear()
        for article_id in ids:
            with recorder.stage(TOTAL):
                outcome = processing.process_article(
                    article_id=article_id,
                    engine=engine,
                    config=config,
                    identity=identity,
                    max_attempts=settings.task_max_attempts,
                )
            if outcome.value != "enriched":
                raise RuntimeError(f"article {article_id}: {outcome.value}")

    one_round("-warm", warm_up)
    one_round("-measured", articles)
    if misses[0]:
        raise RuntimeError(f"{misses[0]} pipeline runs inside the rounds: the cache key is wrong")
    engine.dispose()
    return {
        "articles": articles,
        "stages": {
            label.strip(): [v * 1000 / articles for v in row[:3]] + [row[3] / articles]
            for label, row in recorder.spent.items()
        },
    }


def _doc(article: Any) -> Any:
    from services.enrich.pipeline import SubmittedDocument

    # As the worker builds it from the stored row (`submitted_document`): plain text.
    return SubmittedDocument(text=article.text, title=article.title, source=article.source)


def _baseline_tree(rev: str, into: Path) -> Path:
    archive = into / "tree.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), rev], cwd=REPO, check=True
    )
    tree = into / "tree"
    tree.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    # This script measures both trees the same way, whether or not REV has it.
    shutil.copyfile(Path(__file__), tree / "bench" / Path(__file__).name)
    return tree


def _run_child(tree: Path, database_url: str, articles: int, warm_up: int) -> dict[str, Any]:
    # The tree's own code first on the path (the virtualenv may point at this checkout).
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.worker_store_profile",
            "--child",
            "--database-url",
            database_url,
            "--articles",
            str(articles),
            "--warm-up",
            str(warm_up),
        ],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _median_stages(runs: list[dict[str, Any]]) -> dict[str, list[float]]:
    labels = {label for run in runs for label in run["stages"]}
    return {
        label: [
            statistics.median(run["stages"][label][i] for run in runs if label in run["stages"])
            for i in range(4)
        ]
        for label in labels
    }


def _print(columns: dict[str, list[dict[str, Any]]]) -> None:
    medians = {name: _median_stages(runs) for name, runs in columns.items()}
    names = list(columns)
    header = f"{'stage (ms per article, median of rounds)':44}" + "".join(
        f"{name + ' cpu/db/wall':>27}" for name in names
    )
    print(header)
    for label, *_ in ((TOTAL, None, None), *STAGES):
        cells = []
        for name in names:
            row = medians[name].get(label.strip())
            cells.append(
                f"{'-':>27}" if row is None else f"{row[0]:9.2f}{row[1]:9.2f}{row[2]:9.2f}"
            )
        print(f"{label:44}" + "".join(cells))
    if len(names) == 2:
        base, new = (medians[n].get(TOTAL) for n in names)
        if base and new:
            print(
                f"\n{names[1]} / {names[0]}, {TOTAL}: client cpu {new[0] / base[0]:.2f}, "
                f"db cpu {new[1] / base[1]:.2f}, wall {new[2] / base[2]:.2f}"
            )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    from bench.backend import POSTGRES_URL

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=160)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm-up", type=int, default=20, help="articles in the unmeasured round")
    parser.add_argument("--baseline", help="a git revision to measure too, alternating")
    parser.add_argument("--database-url", default=POSTGRES_URL)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.database_url, args.articles, args.warm_up)))
        return
    columns: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="wf-store-profile-") as tmp:
        trees = {"this tree": REPO}
        if args.baseline:
            trees = {args.baseline: _baseline_tree(args.baseline, Path(tmp)), **trees}
        for r in range(args.rounds):
            for name, tree in trees.items():
                url = args.database_url + ("_base" if tree != REPO else "")
                columns.setdefault(name, []).append(
                    _run_child(tree, url, args.articles, args.warm_up)
                )
                total = columns[name][-1]["stages"][TOTAL.strip()]
                print(
                    f"[store-profile] round {r + 1} {name}: {total[2]:.1f} ms/article wall",
                    flush=True,
                )
    _print(columns)


if __name__ == "__main__":
    main()
