"""Start real wirefeed processes (workers, services, relay) for tests, and stop them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from tests.support.services import Backend

REPO = Path(__file__).resolve().parents[2]


def backend_env(backend: Backend, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREFEED_")}
    env.update(
        WIREFEED_DATABASE_URL=backend.database_url,
        WIREFEED_BROKER_URL=backend.broker_url,
        WIREFEED_TASK_QUEUE=backend.queue,
        WIREFEED_LOG_LEVEL="INFO",
        WIREFEED_TESTING="1",  # WIREFEED_TESTING_* hooks are read (all off unless given)
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Proc:
    """A wirefeed subprocess whose output goes to a log file the test can read. `prefix` runs it
    through a launcher that execs it, e.g. `ip netns exec <namespace>` (tests/support/netns.py)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        log_dir: Path,
        *,
        prefix: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*prefix, sys.executable, "-m", "wirefeed.cli", *argv],
            env=env,
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 60.0) -> None:
        wait_until(
            lambda: needle in self.log() or self.process.poll() is not None,
            timeout,
            f"{self.name} to log {needle!r}",
        )
        if needle not in self.log():
            raise AssertionError(
                f"{self.name} exited ({self.process.returncode}):\n{self.log()[-3000:]}"
            )

    def send_signal(self, sig: int) -> None:
        os.kill(self.process.pid, sig)

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            self.kill_group(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill_group(signal.SIGKILL)
                self.process.wait()
        self._log.close()


def start_worker(
    backend: Backend, log_dir: Path, *, concurrency: int = 1, pool: str = "prefork", **env: str
) -> Proc:
    proc = Proc(
        "worker",
        ["worker", "--concurrency", str(concurrency), "--pool", pool],
        backend_env(backend, **env),
        log_dir,
    )
    proc.wait_for_log(" ready.", timeout=120)
    return proc


def start_service(backend: Backend, log_dir: Path, service: str, port: int, **env: str) -> Proc:
    proc = Proc(
        service, ["serve", service, "--port", str(port)], backend_env(backend, **env), log_dir
    )
    wait_until(
        lambda: _answers(f"http://127.0.0.1:{port}/healthz") or proc.process.poll() is not None,
        60,
        f"{service} on port {port}",
    )
    if proc.process.poll() is not None:
        raise AssertionError(f"{service} exited:\n{proc.log()[-3000:]}")
    return proc


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
