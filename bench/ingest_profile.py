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
from collections.abc import Callable

from bench.backend import BenchBackend
from bench.corpus import build_corpus
from bench.ingest_load import UNLIMITED, batch_rate, single_bodies, start_bare
from bench.loadgen import LoadResult, closed_loop

TICKS = os.sysconf("SC_CLK_TCK")
# A py-spy sample belongs to the first layer one of whose markers is in a frame, looking from the
# innermost frame out (so a wrapper, e.g. a middleware, only gets what nothing inside it claims).
LAYERS = (
    ("store: insert + commit", ("store_articles", "services/ingest/store.py", "store_and_queue")),
    ("queue: broker send", ("send_tasks", "EnrichPublisher", "send_or_leave")),
    ("queue: mark queued", ("mark_queued", "mark_sent")),
    ("batcher + thread hops", ("services/ingest/batcher.py", "run_in_threadpool", "to_thread",
                               "WorkerThread", "Condition.notify", "(queue.py:")),
    ("body read", ("read_body", "_read_capped", "Request.stream", "Upload.of")),
    ("JSON parse", ("parse_json", "parse_ndjson", "_decode (services", "_depth (services")),
    ("validation", ("validate_article", "size_problem", "_batch_item", "_one_article",
                    "valid_article", "all_valid_articles", "_checked_batch")),
    ("response", ("serialize_response", "_json (services", "model_dump_json", "_result (serv",
                  "_item_result", "BatchResult.of", "record_ingest")),
    ("dependencies: auth, rate limit, guards", ("solve_dependencies", "shared/auth.py",
                                                "query_guard", "HTTPBearer", "get_service")),
    ("our middleware: metrics, security headers", ("shared/metrics.py", "security_headers")),
    ("direct route (POST /v1/articles below FastAPI)", ("services/ingest/direct.py",)),
    ("FastAPI/Starlette routing + middleware stack", ("fastapi/", "starlette/")),
    ("uvicorn + h11", ("uvicorn/", "h11/")),
    ("event loop", ("asyncio/",)),
)  # fmt: skip


def layers(collapsed: str) -> dict[str, float]:
    """Share of GIL-holding samples per layer, from py-spy's collapsed stacks."""
    counts: dict[str, int] = {}
    total = 0
    with open(collapsed) as found:
        for line in found:
            stack, _, n = line.rstrip().rpartition(" ")
            total += int(n)
            name = "other"
            for frame in reversed(stack.split(";")):
                hit = next((k for k, marks in LAYERS if any(m in frame for m in marks)), None)
                if hit is not None:
                    name = hit
                    break
            counts[name] = counts.get(name, 0) + int(n)
    return {k: v / total for k, v in sorted(counts.items(), key=lambda kv: -kv[1])}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def per_request(pid: int, drive: Callable[[], LoadResult]) -> tuple[float, int, float]:
    """(CPU us per request, requests, requests/s) of `drive()`."""
    before = cpu_seconds(pid)
    result = drive()
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
    parser.add_argument(
        "--batch-seconds", type=float, default=4.0, help="the batch loop's length (~5 requests/s)"
    )
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

        def single_posts(url: str) -> Callable[[], LoadResult]:
            """The measured loop: the same bodies, connections and duration for both servers."""
            return lambda: closed_loop(
                url + "/v1/articles",
                single_bodies(corpus, salt),
                connections=args.connections,
                seconds=args.seconds,
            )

        bare_us, _, bare_rate = per_request(bare.pid, single_posts(bare_url))
        spy = _spy(args, ingest.pid, "single", args.seconds)
        us, count, rate = per_request(ingest.pid, single_posts(ingest_url))
        if spy is not None:
            spy.wait(30)
        spy = _spy(args, ingest.pid, "batch", args.batch_seconds)
        before = cpu_seconds(ingest.pid)
        articles_per_s = batch_rate(
            ingest_url, corpus, batch=args.batch, batches=10, salt=salt, seconds=args.batch_seconds
        )
        batch_cpu = cpu_seconds(ingest.pid) - before
        if spy is not None:
            spy.wait(30 + args.batch_seconds)
        batch_us = batch_cpu / (articles_per_s * args.batch_seconds) * 1e6
        backend.backend.flush_broker()
        print(
            f"bare: {bare_rate:.0f} req/s, {bare_us:.0f} us CPU/request\n"
            f"ingest single POST: {rate:.0f} req/s ({count} requests), {us:.0f} us CPU/request"
            f" (ratio {rate / bare_rate:.2f})\n"
            f"ingest batch of {args.batch}: {articles_per_s:.0f} articles/s, "
            f"~{batch_us:.0f} us CPU/article\n"
            f"load average: {os.getloadavg()}"
        )
        if args.py_spy:
            for phase, cpu in (("single", us), ("batch", batch_us)):
                unit = "request" if phase == "single" else "article"
                print(f"{phase}: share of GIL samples, and us of CPU per {unit} at that share")
                for name, share in layers(f"{args.py_spy}.{phase}").items():
                    print(f"  {name:48s} {share * 100:5.1f}%  {share * cpu:6.0f} us")
    finally:
        ingest.stop()
        bare.terminate()
        bare.wait(10)
        backend.close()


if __name__ == "__main__":
    main()
