"""`wirefeed up`: the whole system on one machine, on embedded defaults unless told otherwise.

Starts the broker (embedded Valkey unless WIREFEED_BROKER_URL is set), migrates the database
(an SQLite file unless WIREFEED_DATABASE_URL is set), then the worker, the relay and both HTTP
services as child processes; loads the seeds; prints the addresses. Ctrl-C (or SIGTERM) stops
everything; children also die with this process if it is killed outright.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import httpx

from shared.settings import Settings
from wirefeed.broker import start_embedded_broker
from wirefeed.ingest_client import ingest_paths
from wirefeed.migrate import upgrade
from wirefeed.processes import spawn, stop
from wirefeed.up_state import clear_up_state, write_up_state


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def _wait_ready(
    url: str, process: subprocess.Popen[bytes], name: str, timeout: float = 90.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}; see its log")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} not ready at {url} after {timeout}s")


def _wait_worker(
    settings: Settings, process: subprocess.Popen[bytes], timeout: float = 120.0
) -> None:
    """Until a worker answers a control ping: "up" means articles get enriched, not only stored."""
    from shared.celery_app import make_celery

    app = make_celery(settings)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"worker exited with code {process.returncode}; see its log")
            if app.control.ping(timeout=1.0):
                return
        raise RuntimeError(f"no worker answered within {timeout}s")
    finally:
        app.close()


def run_up(settings: Settings, *, seeds: Path | None, worker_concurrency: int | None) -> int:
    data_dir = settings.data_dir.resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        if "WIREFEED_BROKER_URL" not in os.environ:
            port = settings.embedded_broker_port
            children.append(("broker", start_embedded_broker(data_dir=data_dir, port=port)))
            env["WIREFEED_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
        database_url = settings.effective_database_url
        env["WIREFEED_DATABASE_URL"] = database_url
        env["WIREFEED_DATA_DIR"] = str(data_dir)
        upgrade(database_url)

        command = [sys.executable, "-m", "wirefeed.cli"]
        worker = [*command, "worker"]
        if worker_concurrency:
            worker += ["--concurrency", str(worker_concurrency)]
        for name, argv in (
            ("worker", worker),
            ("relay", [*command, "relay"]),
            ("deliverer", [*command, "deliverer", "--concurrency", "2"]),
            ("ingest", [*command, "serve", "ingest"]),
            ("api", [*command, "serve", "api"]),
        ):
            children.append((name, spawn(argv, env=env, log_path=logs / f"{name}.log")))

        ingest_url = f"http://{settings.ingest_host}:{settings.ingest_port}"
        api_url = f"http://{settings.api_host}:{settings.api_port}"
        processes = dict(children)
        _wait_ready(f"{ingest_url}/readyz", processes["ingest"], "ingest")
        _wait_ready(f"{api_url}/readyz", processes["api"], "api")
        _wait_worker(
            settings.model_copy(update={"broker_url": env["WIREFEED_BROKER_URL"]}),
            processes["worker"],
        )
        if seeds is not None and seeds.exists():
            totals = ingest_paths([seeds], base_url=ingest_url, progress=False, source="seeds")
            print(f"seeds from {seeds}: {totals}", flush=True)
        write_up_state(
            settings, broker_url=env["WIREFEED_BROKER_URL"], api_url=api_url, ingest_url=ingest_url
        )
        print(
            f"wirefeed is up\n"
            f"  ingest  {ingest_url}   (POST /v1/articles, docs at {ingest_url}/docs)\n"
            f"  api     {api_url}   (GET /v1/articles, /v1/feed, /v1/entities; "
            f"docs at {api_url}/docs)\n"
            f"  ui      {api_url}/ui   (search and read articles in a browser; "
            f"push: {api_url}/v1/stream)\n"
            f"  broker  {env['WIREFEED_BROKER_URL']}\n"
            f"  store   {database_url}\n"
            f"  logs    {logs}\n"
            f"Ctrl-C stops everything.",
            flush=True,
        )
        # The services log this too, but their logs go to files: say it where it is seen.
        for kind, keys in (("INGEST", settings.ingest_keys), ("READ", settings.read_keys)):
            if not keys.strip():
                print(
                    f"WARNING: AUTHENTICATION DISABLED: no WIREFEED_{kind}_KEYS configured; "
                    "anyone who can reach this service can use it",
                    file=sys.stderr,
                    flush=True,
                )
        while True:
            for name, process in children:
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}; stopping", flush=True)
                    return 1
            time.sleep(0.5)
    except _Stop as reason:
        print(f"\n{reason}: stopping", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"wirefeed up failed: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        clear_up_state(settings)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        # Front to back: stop taking articles first, the broker last.
        for _, process in reversed(children):
            stop(process)
        (data_dir / "broker.pid").unlink(missing_ok=True)
        print("stopped", flush=True)
