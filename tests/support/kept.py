"""What the integration tests of one test process share: each backend, its worker and its API
server, made on first use and kept until the process ends.

pytest would rebuild a parametrised session fixture whenever the parameter changes, and every
integration file runs its embedded tests and then its production ones, so each file paid for two
migrated stores, two worker starts (the model load) and two stops: about a quarter of the
suite's time. Kept here, each process pays for them once."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.api_server import ApiServer
from tests.support.processes import Proc, start_service, start_worker
from tests.support.services import Backend, free_port, migrated_backend


class KeptForSession:
    def __init__(self, exits: ExitStack, tmp: pytest.TempPathFactory, log_dir: Path) -> None:
        self._exits = exits
        self._tmp = tmp
        self._log_dir = log_dir
        self._backends: dict[str, Backend] = {}
        self._workers: dict[str, Proc] = {}
        self._api_servers: dict[str, ApiServer] = {}

    def backend(self, kind: str) -> Backend:
        if kind not in self._backends:
            store = self._exits.enter_context(migrated_backend(kind, self._tmp.mktemp(kind)))
            self._backends[kind] = store
        return self._backends[kind]

    def worker(self, backend: Backend) -> Proc:
        """The backend's worker; started again if a test left it dead."""
        running = self._workers.get(backend.name)
        if running is None or running.process.poll() is not None:
            running = start_worker(backend, self._log_dir, concurrency=1)
            self._workers[backend.name] = running
            self._exits.callback(running.stop)
        return running

    def api_server(self, backend: Backend) -> ApiServer:
        server = self._api_servers.get(backend.name)
        if server is None or server.proc.process.poll() is not None:
            port = free_port()
            proc = start_service(backend, self._log_dir, "api", port)
            server = ApiServer(backend, self._log_dir, port, proc)
            self._api_servers[backend.name] = server
            self._exits.callback(lambda: server.proc.stop())
        return server
