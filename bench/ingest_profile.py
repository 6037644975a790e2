"""CPU per ingest request, measured on the server process (bench/ANALYSIS.md's ingest section).

Starts a real `wirefeed serve ingest` (PostgreSQL + Redis, as bench.ingest_load does) and the
bare FastAPI endpoint, drives each with the same closed loop, and reads the server's own CPU time
(user + system, /proc/<pid>/stat) before and after: CPU microseconds per request and per
article, which the machine's other tenants move much less than they move rates. With
`--py-spy PATH` it also samples the ingest process (py-spy, installed outside the project)
during the single-POST loop and writes collapsed stacks to PATH for a layer-by-layer split.

    python -m bench.ingest_profile --seconds 5 [--py-spy var/bench/ingest.collapsed]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import uuid

from bench.backend import BenchBackend
from bench.corpus import build_corpus
from bench.ingest_load import UNLIMITED, batch_rate, single_bodies, start_bare
from bench.loadgen import closed_loop

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def per_request(pid: int, drive: object) -> tuple[float, int, float]:
    """(CPU us per request, requests, requests/s) of `drive()` -> LoadResult."""
    before = cpu_seconds(pid)
    result = drive()  # type: ignore[operator]
    used = cpu_seconds(pid) - before
    if result.errors:
        raise RuntimeError(f"{result.errors} requests failed")
    return used / result.requests * 1e6, result.requests, result.rate


def _spy(
    args: argparse.Namespace, pid: int, phase: str, seconds: float
) -> subprocess.Popen[bytes] | None:
    """py-spy on the ingest process for one phase: samples where the GIL is held (CPU in
    Python), collapsed stacks to `<--py-spy>.<phase>`."""
    if not args.py_spy:
        return None
    return subprocess.Popen(
        [args.py_spy_bin, "record", "--pid", str(pid), "--format", "raw", "--rate", "250",
         "--duration", str(int(seconds)), "--gil", "--output", f"{args.py_spy}.{phase}",
         "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--py-spy", dest="py_spy", default=None, help="collapsed stacks to here")
    parser.add_argument("--py-spy-bin", default="/tmp/pyspy-venv/bin/py-spy")
    args = parser.parse_args()
    corpus = build_corpus(100)
    backend = BenchBackend()
    bare, bare_url = start_bare()
    ingest, ingest_url = backend.service("ingest", **UNLIMITED)
    try:
        salt = uuid.uuid4().hex[:6]
        # Warm both (route build, pools, first compilation) before anything is counted.
        for url in (bare_url, ingest_url):
            closed_loop(url + "/v1/articles", single_bodies(corpus, "w" + salt), seconds=1.0)
        bare_us, _, bare_rate = per_request(
            bare.pid,
            lambda: closed_loop(
                bare_url + "/v1/articles",
                single_bodies(corpus, salt),
                connections=args.connections,
                seconds=args.seconds,
            ),
        )
        spy = _spy(args, ingest.pid, "single", args.seconds)
        us, count, rate = per_request(
            ingest.pid,
            lambda: closed_loop(
                ingest_url + "/v1/articles",
                single_bodies(corpus, salt),
                connections=args.connections,
                seconds=args.seconds,
            ),
        )
        if spy is not None:
            spy.wait(30)
        spy = _spy(args, ingest.pid, "batch", 4.0)
        before = cpu_seconds(ingest.pid)
        articles_per_s = batch_rate(ingest_url, corpus, batch=args.batch, batches=10, salt=salt)
        batch_cpu = cpu_seconds(ingest.pid) - before
        if spy is not None:
            spy.wait(30)
        batch_us = batch_cpu / (articles_per_s * 4.0) * 1e6  # batch_rate runs 4 s
        backend.backend.flush_broker()
        print(
            f"bare: {bare_rate:.0f} req/s, {bare_us:.0f} us CPU/request\n"
            f"ingest single POST: {rate:.0f} req/s ({count} requests), {us:.0f} us CPU/request"
            f" (ratio {rate / bare_rate:.2f})\n"
            f"ingest batch of {args.batch}: {articles_per_s:.0f} articles/s, "
            f"~{batch_us:.0f} us CPU/article\n"
            f"load average: {os.getloadavg()}"
        )
    finally:
        ingest.stop()
        bare.terminate()
        bare.wait(10)
        backend.close()


if __name__ == "__main__":
    main()
