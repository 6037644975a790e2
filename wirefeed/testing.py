"""Test-only hooks. Production settings do not carry them; nothing here is read unless the
process was started with WIREFEED_TESTING=1 (the test harness sets it for the processes it
starts; tests running services in-process pass the hooks to the app factories directly).

- WIREFEED_TESTING_CRASH_MARKER: a task whose article holds this text kills its worker process.
- WIREFEED_TESTING_TASK_DELAY: seconds each task sleeps after claiming its article.
- WIREFEED_TESTING_RELEASE_FILE: a path; once that file exists, the task delay ends early (a test
  holds deliveries for as long as its fault takes to set up, and not a second longer).
- WIREFEED_TESTING_STUCK_MARKER: a task whose article holds this text hangs, deaf to the soft
  time limit (as native code that never returns would), until the hard limit kills its process.
- WIREFEED_TESTING_ALLOW_LOOPBACK_FETCH: URL ingest may fetch from 127.0.0.1 (a test page server).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from services.enrich.store import Claim

ENABLED = "WIREFEED_TESTING"

log = logging.getLogger("wirefeed.testing")


class Hooks(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WIREFEED_TESTING_", extra="ignore")

    crash_marker: str = ""
    stuck_marker: str = ""
    task_delay: float = 0.0
    release_file: str = ""
    allow_loopback_fetch: bool = False

    def after_claim(self) -> Callable[[Claim], None] | None:
        """The worker's fault-injection hook, or None when no fault is asked for."""
        if not self.crash_marker and not self.task_delay and not self.stuck_marker:
            return None
        marker, stuck, delay = self.crash_marker, self.stuck_marker, self.task_delay
        release = Path(self.release_file) if self.release_file else None
        log.warning(
            "TEST HOOKS ACTIVE: never run this in production",
            extra={"crash_marker": marker, "stuck_marker": stuck, "task_delay": delay},
        )

        def hook(claim: Claim) -> None:
            if marker and marker in claim.raw:
                log.warning(
                    "test hook: killing this worker process", extra={"article_id": claim.article_id}
                )
                os._exit(70)  # like an OOM kill or a segfault in native code: no clean-up at all
            if stuck and stuck in claim.raw:
                # Like native code that never returns: the soft limit's signal cannot reach it.
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
                time.sleep(3600)
            if delay:
                _sleep_unless_released(delay, release)

        return hook


def _sleep_unless_released(seconds: float, release: Path | None) -> None:
    if release is None:
        time.sleep(seconds)
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not release.exists():
        time.sleep(0.1)


def installed_hooks() -> Hooks:
    """The hooks this process was started with: all off unless WIREFEED_TESTING=1."""
    if os.environ.get(ENABLED) != "1":
        return Hooks.model_construct()  # the defaults; the environment is not read
    return Hooks()
