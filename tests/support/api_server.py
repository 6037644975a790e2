"""A shared API process for tests that need real HTTP (SSE, a browser, the client)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import Proc, start_service
from tests.support.services import Backend


@dataclass
class ApiServer:
    """A real `wirefeed serve api` process for the session's backend, shared by the modules that
    need HTTP (SSE, browser, client); it only reads the store, so sharing it is safe."""

    backend: Backend
    log_dir: Path
    port: int
    proc: Proc

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restart(self, between: Callable[[], None] = lambda: None) -> None:
        """Stop, run `between` while it is down, start again on the same port."""
        self.proc.stop()
        between()
        self.proc = start_service(self.backend, self.log_dir, "api", self.port)
