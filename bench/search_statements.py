"""Database CPU per search, statement by statement, for two versions of the code on one database.

`capture` records the statements the API issues for each of bench.consumer_reads' searches
(run it once from each checkout: the code that runs is the one imported); `compare` replays two
captures alternately on one connection, in rounds, and reads the PostgreSQL backend's on-CPU
time (/proc/<pid>/schedstat, the database must run on this host) around every statement: a
figure a loaded machine inflates far less than wall time.

    python -m bench.search_statements capture --url URL --out before.pkl   # from main's tree
    python -m bench.search_statements capture --url URL --out after.pkl    # from the branch
    python -m bench.search_statements compare --url URL before.pkl after.pkl
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path
from typing import Any

import psycopg

from bench import bulk_load
from bench.backend import BenchBackend
from bench.consumer_reads import ARTICLES, requests
from bench.read_api import Statements, issued


def capture(url: str, out: Path) -> None:
    backend = BenchBackend(url, fresh=False)
    try:
        reads = [read for read, kind in requests(ARTICLES) if kind == "search"]
        captured = issued(backend, reads)
    finally:
        backend.engine.dispose()
        backend.celery.close()
    out.write_bytes(pickle.dumps({name: list(s) for name, s in captured.items()}))


def compare(url: str, captures: list[Path], rounds: int, replays: int) -> None:
    loaded: list[dict[str, Statements]] = [pickle.loads(p.read_bytes()) for p in captures]
    with psycopg.connect(bulk_load._libpq(url)) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        schedstat = Path(f"/proc/{row[0] if row else 0}/schedstat")

        def on_cpu_ns() -> int:
            return int(schedstat.read_text().split()[0])

        def run(statements: Statements, spent: dict[int, int]) -> None:
            with conn.transaction():  # as the request had them: SET LOCAL holds for the rest
                for i, (sql, parameters) in enumerate(statements):
                    started = on_cpu_ns()
                    cursor: Any = conn.execute(sql, parameters)
                    if cursor.description:
                        cursor.fetchall()
                    spent[i] = spent.get(i, 0) + on_cpu_ns() - started

        for name in loaded[0]:
            for version in loaded:  # warm-up
                run(version[name], {})
            spent: list[dict[int, int]] = [{} for _ in loaded]
            for _ in range(rounds):
                for version, into in zip(loaded, spent, strict=True):
                    for _ in range(replays):
                        run(version[name], into)
            for path, into in zip(captures, spent, strict=True):
                per = {i: ns / rounds / replays / 1e6 for i, ns in sorted(into.items())}
                parts = " + ".join(f"{ms:.2f}" for ms in per.values() if ms >= 0.05)
                print(f"{name} [{path.name}]: {sum(per.values()):.2f} ms ({parts})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["capture", "compare"])
    parser.add_argument("captures", nargs="*", type=Path, help="compare: the captured files")
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, help="capture: where to write")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--replays", type=int, default=15, help="per version and round")
    args = parser.parse_intermixed_args()
    if args.action == "capture":
        if args.out is None:
            parser.error("capture needs --out")
        capture(args.url, args.out)
    else:
        compare(args.url, args.captures, args.rounds, args.replays)


if __name__ == "__main__":
    main()
